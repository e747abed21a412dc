#ifndef WEIGHTBRIDGE_CDNNL_SHIM_H
#define WEIGHTBRIDGE_CDNNL_SHIM_H
// oneDNN (Debian's libdnnl-dev): its single-precision GEMM, which picks its kernel from the CPU it runs on (AVX-512,
// AVX2 or SSE4.1) whatever OPENBLAS_CORETYPE says.
#include <oneapi/dnnl/dnnl.h>

// Debian's libdnnl runs on OpenMP (libgomp); its thread count for calls made from the calling thread. (omp.h is
// GCC's and not on Swift's include path; this is its declaration.)
void omp_set_num_threads(int);
#endif
