#ifndef WEIGHTBRIDGE_CDNNL_SHIM_H
#define WEIGHTBRIDGE_CDNNL_SHIM_H
// oneDNN (Debian's libdnnl-dev 2.6): its single-precision GEMM and its convolution primitive, which pick their kernels
// from the CPU they run on (AVX-512, AVX2 or SSE4.1) whatever OPENBLAS_CORETYPE says.
#include <oneapi/dnnl/dnnl.h>

// Debian's libdnnl runs on OpenMP (libgomp); its thread count for calls made from the calling thread. (omp.h is
// GCC's and not on Swift's include path; this is its declaration.)
void omp_set_num_threads(int);

// Macros Swift cannot import (pointer casts, or aliases of other macros).

/// `DNNL_MEMORY_ALLOCATE`: asks `dnnl_memory_create` to allocate the buffer itself.
static inline void *weightbridge_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
static inline int weightbridge_dnnl_arg_src(void) { return DNNL_ARG_SRC; }
static inline int weightbridge_dnnl_arg_dst(void) { return DNNL_ARG_DST; }
static inline int weightbridge_dnnl_arg_weights(void) { return DNNL_ARG_WEIGHTS; }
static inline int weightbridge_dnnl_arg_from(void) { return DNNL_ARG_FROM; }
static inline int weightbridge_dnnl_arg_to(void) { return DNNL_ARG_TO; }
static inline int weightbridge_dnnl_arg_scratchpad(void) { return DNNL_ARG_SCRATCHPAD; }

// `dnnl_dims_t` is a C array of DNNL_MAX_NDIMS (12) integers, which Swift imports as a 12-tuple; these take the four
// dimensions (or two strides and paddings) one by one instead.

/// A 4-D float32 memory descriptor with dimensions in oneDNN's logical order (N, C, H, W for data; O, I, H, W for
/// weights) laid out as `tag` says (`dnnl_nhwc`, `dnnl_hwio`, or `dnnl_format_tag_any` for the primitive's choice).
static inline dnnl_status_t weightbridge_dnnl_memory_desc_4d(
    dnnl_memory_desc_t *md, int64_t d0, int64_t d1, int64_t d2, int64_t d3, dnnl_format_tag_t tag) {
    dnnl_dims_t dims = {d0, d1, d2, d3};
    return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, tag);
}

/// A 2-D forward-inference convolution descriptor (no bias when `bias` is NULL) with strides and left/right
/// paddings given one by one.
static inline dnnl_status_t weightbridge_dnnl_convolution_desc(
    dnnl_convolution_desc_t *desc, dnnl_alg_kind_t algorithm, const dnnl_memory_desc_t *src,
    const dnnl_memory_desc_t *weights, const dnnl_memory_desc_t *bias, const dnnl_memory_desc_t *dst,
    int64_t strideHeight, int64_t strideWidth, int64_t padTop, int64_t padLeft, int64_t padBottom,
    int64_t padRight) {
    dnnl_dims_t strides = {strideHeight, strideWidth};
    dnnl_dims_t left = {padTop, padLeft};
    dnnl_dims_t right = {padBottom, padRight};
    return dnnl_convolution_forward_desc_init(
        desc, dnnl_forward_inference, algorithm, src, weights, bias, dst, strides, left, right);
}
#endif
