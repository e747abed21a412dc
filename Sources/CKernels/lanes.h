#ifndef WEIGHTBRIDGE_LANES_H
#define WEIGHTBRIDGE_LANES_H
// The 32-byte vectors the kernels compute in (GCC/Clang vector extensions: AVX registers in the AVX2 versions, pairs
// of SSE registers in the baseline ones), and their unaligned loads and stores. Macros, not functions: a function
// taking or returning a 32-byte vector would have a different ABI in the two versions of a kernel.

#include <string.h>

typedef float lane8 __attribute__((vector_size(32)));
typedef double lane4 __attribute__((vector_size(32)));

/// The vector of type `T` at `p` (any alignment).
#define LOAD_LANE(T, p) ({ T lane_; memcpy(&lane_, (p), sizeof lane_); lane_; })
/// Stores the vector `v` at `p` (any alignment).
#define STORE_LANE(p, v)                                                                                               \
    do {                                                                                                               \
        __typeof__(v) lane_ = (v);                                                                                     \
        memcpy((p), &lane_, sizeof lane_);                                                                             \
    } while (0)
#endif
