#ifndef WEIGHTBRIDGE_CGZIP_SHIM_H
#define WEIGHTBRIDGE_CGZIP_SHIM_H
#include <zlib.h>
// inflateInit2 is a macro; wrap it so Swift can call it.
static inline int wb_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
