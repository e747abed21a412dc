#include "one_channel_convolution.h"

#include "kernel_dispatch.h"

#include <string.h>

#include "lanes.h"

// `lanes` accumulators of eight filters each (filters k0 ... k0 + 8 * lanes - 1) of the output pixel whose window
// starts at input row iy0 and column ix0, summed over its taps in (kernel row, kernel column) order; taps outside
// the image are skipped (they read 0).
#define ACCUMULATE(lanes)                                                                                              \
    do {                                                                                                               \
        lane8 sum[lanes];                                                                                              \
        for (int l = 0; l < lanes; l++) sum[l] = (lane8){0, 0, 0, 0, 0, 0, 0, 0};                                      \
        for (long ky = 0; ky < kernel_height; ky++) {                                                                  \
            long iy = iy0 + ky;                                                                                        \
            if (iy < 0 || iy >= height) continue;                                                                      \
            for (long kx = 0; kx < kernel_width; kx++) {                                                               \
                long ix = ix0 + kx;                                                                                    \
                if (ix < 0 || ix >= width) continue;                                                                   \
                float x = pixels[iy * width + ix];                                                                     \
                const float *w = kernel + (ky * kernel_width + kx) * filters + k;                                      \
                for (int l = 0; l < lanes; l++) {                                                                      \
                    lane8 wl;                                                                                          \
                    memcpy(&wl, w + 8 * l, sizeof wl);                                                                 \
                    sum[l] += x * wl;                                                                                  \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        memcpy(out + k, sum, sizeof sum);                                                                              \
        k += 8 * lanes;                                                                                                \
    } while (0)

// Filters k ... k + 15 of six neighbouring output pixels (windows at columns ix0, ix0 + stride_width, ...) whose
// windows are wholly inside the image: twelve accumulators, each tap's two kernel vectors loaded once for the six
// pixels. Three pixels x 32 filters (also twelve accumulators, but four kernel vectors) left the compiler one
// register short: it spilled accumulators in the inner loop, and the seed CNN's first layer took about 20% more of
// `predict`'s samples.
#define ACCUMULATE_SIX_PIXELS()                                                                                        \
    do {                                                                                                               \
        lane8 sum[6][2];                                                                                               \
        for (int p = 0; p < 6; p++)                                                                                    \
            for (int l = 0; l < 2; l++) sum[p][l] = (lane8){0, 0, 0, 0, 0, 0, 0, 0};                                   \
        for (long ky = 0; ky < kernel_height; ky++) {                                                                  \
            const float *row = pixels + (iy0 + ky) * width + ix0;                                                      \
            for (long kx = 0; kx < kernel_width; kx++) {                                                               \
                const float *w = kernel + (ky * kernel_width + kx) * filters + k;                                      \
                lane8 wl[2];                                                                                           \
                memcpy(wl, w, sizeof wl);                                                                              \
                for (int p = 0; p < 6; p++) {                                                                          \
                    float x = row[p * stride_width + kx];                                                              \
                    for (int l = 0; l < 2; l++) sum[p][l] += x * wl[l];                                                \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        for (int p = 0; p < 6; p++) memcpy(out + p * filters + k, sum[p], sizeof sum[p]);                              \
        k += 16;                                                                                                       \
    } while (0)

// One output row (oy) of one image, inlined into the functions per instruction set below: six output pixels at a
// time where their windows are inside the image and the filters come in 16s; elsewhere each pixel's filters 32 at a
// time (four accumulators held in registers across the taps), then 8 at a time, then one by one. `row` receives
// out_width x filters values.
static inline __attribute__((always_inline)) void convolve_row(
    const float *pixels, long height, long width, const float *kernel, long kernel_height, long kernel_width,
    long filters, long stride_height, long stride_width, long pad_top, long pad_left, long oy, long out_width,
    float *row) {
    long iy0 = oy * stride_height - pad_top;
    int rows_inside = iy0 >= 0 && iy0 + kernel_height <= height;
    for (long ox = 0; ox < out_width; ox++) {
        long ix0 = ox * stride_width - pad_left;
        float *out = row + ox * filters;
        long k = 0;
        if (rows_inside && ox + 6 <= out_width && ix0 >= 0 && ix0 + 5 * stride_width + kernel_width <= width &&
            filters % 16 == 0) {
            while (k < filters) ACCUMULATE_SIX_PIXELS();
            ox += 5;  // The next five pixels are done too.
            continue;
        }
        while (k + 32 <= filters) ACCUMULATE(4);
        while (k + 8 <= filters) ACCUMULATE(1);
        for (; k < filters; k++) {
            float sum = 0;
            for (long ky = 0; ky < kernel_height; ky++) {
                long iy = iy0 + ky;
                if (iy < 0 || iy >= height) continue;
                for (long kx = 0; kx < kernel_width; kx++) {
                    long ix = ix0 + kx;
                    if (ix < 0 || ix >= width) continue;
                    sum += pixels[iy * width + ix] * kernel[(ky * kernel_width + kx) * filters + k];
                }
            }
            out[k] = sum;
        }
    }
}

static inline __attribute__((always_inline)) void convolve(
    const float *input, long images, long height, long width, const float *kernel, long kernel_height,
    long kernel_width, long filters, long stride_height, long stride_width, long pad_top, long pad_left,
    long out_height, long out_width, float *output) {
    for (long image = 0; image < images; image++) {
        for (long oy = 0; oy < out_height; oy++) {
            convolve_row(input + image * height * width, height, width, kernel, kernel_height, kernel_width, filters,
                stride_height, stride_width, pad_top, pad_left, oy, out_width,
                output + (image * out_height + oy) * out_width * filters);
        }
    }
}

// The convolution's rows two at a time into `rows` (2 x out_width x filters, in L1 for a first layer), each 2x2
// window's maximum (in window order, as MaxPool2D takes it) into `output`.
static inline __attribute__((always_inline)) void convolve_max_pool(
    const float *input, long images, long height, long width, const float *kernel, long kernel_height,
    long kernel_width, long filters, long stride_height, long stride_width, long pad_top, long pad_left,
    long out_height, long out_width, float *output, float *rows) {
    long pooled_height = out_height / 2, pooled_width = out_width / 2;
    for (long image = 0; image < images; image++) {
        const float *pixels = input + image * height * width;
        for (long py = 0; py < pooled_height; py++) {
            float *top = rows, *bottom = rows + out_width * filters;
            convolve_row(pixels, height, width, kernel, kernel_height, kernel_width, filters, stride_height,
                stride_width, pad_top, pad_left, 2 * py, out_width, top);
            convolve_row(pixels, height, width, kernel, kernel_height, kernel_width, filters, stride_height,
                stride_width, pad_top, pad_left, 2 * py + 1, out_width, bottom);
            float *out = output + (image * pooled_height + py) * pooled_width * filters;
            for (long px = 0; px < pooled_width; px++) {
                const float *a = top + 2 * px * filters, *b = a + filters;
                const float *d = bottom + 2 * px * filters, *e = d + filters;
                float *o = out + px * filters;
                for (long k = 0; k < filters; k++) {
                    float m = b[k] > a[k] ? b[k] : a[k];
                    m = d[k] > m ? d[k] : m;
                    o[k] = e[k] > m ? e[k] : m;
                }
            }
        }
    }
}

__attribute__((target("avx2,fma"))) static void convolve_avx2_fma(
    const float *input, long images, long height, long width, const float *kernel, long kernel_height,
    long kernel_width, long filters, long stride_height, long stride_width, long pad_top, long pad_left,
    long out_height, long out_width, float *output) {
    convolve(input, images, height, width, kernel, kernel_height, kernel_width, filters, stride_height, stride_width,
        pad_top, pad_left, out_height, out_width, output);
}

static void convolve_baseline(
    const float *input, long images, long height, long width, const float *kernel, long kernel_height,
    long kernel_width, long filters, long stride_height, long stride_width, long pad_top, long pad_left,
    long out_height, long out_width, float *output) {
    convolve(input, images, height, width, kernel, kernel_height, kernel_width, filters, stride_height, stride_width,
        pad_top, pad_left, out_height, out_width, output);
}

// Chosen by the CPU's features (`kernel_dispatch.h`).
void weightbridge_convolve_one_channel(
    const float *input, long images, long height, long width, const float *kernel, long kernel_height,
    long kernel_width, long filters, long stride_height, long stride_width, long pad_top, long pad_left,
    long out_height, long out_width, float *output) {
    (weightbridge_kernels_use_avx2_fma() ? convolve_avx2_fma : convolve_baseline)(
        input, images, height, width, kernel, kernel_height, kernel_width, filters, stride_height, stride_width,
        pad_top, pad_left, out_height, out_width, output);
}

__attribute__((target("avx2,fma"))) static void convolve_max_pool_avx2_fma(
    const float *input, long images, long height, long width, const float *kernel, long kernel_height,
    long kernel_width, long filters, long stride_height, long stride_width, long pad_top, long pad_left,
    long out_height, long out_width, float *output, float *rows) {
    convolve_max_pool(input, images, height, width, kernel, kernel_height, kernel_width, filters, stride_height,
        stride_width, pad_top, pad_left, out_height, out_width, output, rows);
}

static void convolve_max_pool_baseline(
    const float *input, long images, long height, long width, const float *kernel, long kernel_height,
    long kernel_width, long filters, long stride_height, long stride_width, long pad_top, long pad_left,
    long out_height, long out_width, float *output, float *rows) {
    convolve_max_pool(input, images, height, width, kernel, kernel_height, kernel_width, filters, stride_height,
        stride_width, pad_top, pad_left, out_height, out_width, output, rows);
}

void weightbridge_convolve_one_channel_max_pool(
    const float *input, long images, long height, long width, const float *kernel, long kernel_height,
    long kernel_width, long filters, long stride_height, long stride_width, long pad_top, long pad_left,
    long out_height, long out_width, float *output, float *rows) {
    (weightbridge_kernels_use_avx2_fma() ? convolve_max_pool_avx2_fma : convolve_max_pool_baseline)(input, images,
        height, width, kernel, kernel_height, kernel_width, filters, stride_height, stride_width, pad_top, pad_left,
        out_height, out_width, output, rows);
}
