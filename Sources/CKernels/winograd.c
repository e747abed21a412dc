#include "winograd.h"

#include "kernel_dispatch.h"

#include "lanes.h"

#include <string.h>

#define LOAD8(p) LOAD_LANE(lane8, p)
#define STORE8(p, v) STORE_LANE(p, v)

// One tile's input transform of one lane of type T (eight channels, or one) at channel k (taps at kk). The order
// of additions is fixed (the same in both versions and in every lane width), so results do not depend on the CPU.
#define INPUT_TILE(T, LOAD, STORE)                                                                                    \
    do {                                                                                                               \
        T c0[4], c1[4], c2[4], c3[4];                                                                                  \
        T *cs[4] = {c0, c1, c2, c3};                                                                                   \
        for (int j = 0; j < 4; j++) {                                                                                  \
            T d0 = LOAD(taps[j] + kk), d1 = LOAD(taps[4 + j] + kk), d2 = LOAD(taps[8 + j] + kk),                       \
              d3 = LOAD(taps[12 + j] + kk);                                                                            \
            cs[j][0] = d0 - d2;                                                                                        \
            cs[j][1] = d1 + d2;                                                                                        \
            cs[j][2] = d2 - d1;                                                                                        \
            cs[j][3] = d1 - d3;                                                                                        \
        }                                                                                                              \
        for (int i = 0; i < 4; i++) {                                                                                  \
            T t0 = c0[i], t1 = c1[i], t2 = c2[i], t3 = c3[i];                                                          \
            STORE(out + (i * 4) * plane + k, t0 - t2);                                                                 \
            STORE(out + (i * 4 + 1) * plane + k, t1 + t2);                                                             \
            STORE(out + (i * 4 + 2) * plane + k, t2 - t1);                                                             \
            STORE(out + (i * 4 + 3) * plane + k, t1 - t3);                                                             \
        }                                                                                                              \
    } while (0)

#define LOAD1(p) (*(p))
#define STORE1(p, v) (*(p) = (v))

// The input transform of the tile whose top-left tap is at (y0, x0) of the NHWC image at `pixels`, written to
// `out` + plane * i for its 16 values i, channels contiguous.
static inline __attribute__((always_inline)) void input_tile(
    const float *pixels, long height, long width, long channels, long y0, long x0, float *out, long plane) {
    // Taps in the padding read from here: up to 64 zero channels at a time.
    static const float zeros[64] = {0};
    for (long k0 = 0; k0 < channels; k0 += 64) {
        const float *taps[16];
        for (int r = 0; r < 4; r++) {
            long y = y0 + r;
            for (int s = 0; s < 4; s++) {
                long x = x0 + s;
                int inside = y >= 0 && y < height && x >= 0 && x < width;
                taps[r * 4 + s] = inside ? pixels + (y * width + x) * channels + k0 : zeros;
            }
        }
        // Channel k = k0 + kk; taps[i] + kk addresses it (or a zero).
        long count = channels - k0 < 64 ? channels - k0 : 64;
        long kk = 0, k = k0;
        for (; kk + 8 <= count; kk += 8, k += 8) INPUT_TILE(lane8, LOAD8, STORE8);
        for (; kk < count; kk++, k++) INPUT_TILE(float, LOAD1, STORE1);
    }
}

// Rows r of the product block at `a` (`lda` apart) times the (k, n) matrix at `b` (n a multiple of 16, rows n
// apart) into `c` (rows `ldc` apart): for each 16 columns, R x 2 eight-lane accumulators summed over k in order.
#define PRODUCT_ROWS(R)                                                                                                \
    static inline __attribute__((always_inline)) void product_rows_##R(                                               \
        const float *a, long lda, const float *b, long n, long k, float *c, long ldc) {                                \
        for (long j = 0; j < n; j += 16) {                                                                             \
            lane8 s0[R], s1[R];                                                                                        \
            for (int r = 0; r < R; r++) s0[r] = s1[r] = (lane8){0, 0, 0, 0, 0, 0, 0, 0};                               \
            const float *bp = b + j;                                                                                   \
            for (long p = 0; p < k; p++, bp += n) {                                                                    \
                lane8 b0 = LOAD8(bp), b1 = LOAD8(bp + 8);                                                              \
                for (int r = 0; r < R; r++) {                                                                          \
                    float x = a[r * lda + p];                                                                          \
                    s0[r] += x * b0;                                                                                   \
                    s1[r] += x * b1;                                                                                   \
                }                                                                                                      \
            }                                                                                                          \
            for (int r = 0; r < R; r++) {                                                                              \
                STORE8(c + r * ldc + j, s0[r]);                                                                        \
                STORE8(c + r * ldc + j + 8, s1[r]);                                                                    \
            }                                                                                                          \
        }                                                                                                              \
    }
PRODUCT_ROWS(6)
PRODUCT_ROWS(5)
PRODUCT_ROWS(4)
PRODUCT_ROWS(3)
PRODUCT_ROWS(2)
PRODUCT_ROWS(1)

// (tiles, channels) at `a` times (channels, filters) at `b` into (tiles, filters) at `c`; filters a multiple of 16.
static inline __attribute__((always_inline)) void product(
    const float *a, long tiles, long channels, const float *b, long filters, float *c) {
    long i = 0;
    for (; i + 6 <= tiles; i += 6)
        product_rows_6(a + i * channels, channels, b, filters, channels, c + i * filters, filters);
    const float *ai = a + i * channels;
    float *ci = c + i * filters;
    switch (tiles - i) {
    case 5: product_rows_5(ai, channels, b, filters, channels, ci, filters); break;
    case 4: product_rows_4(ai, channels, b, filters, channels, ci, filters); break;
    case 3: product_rows_3(ai, channels, b, filters, channels, ci, filters); break;
    case 2: product_rows_2(ai, channels, b, filters, channels, ci, filters); break;
    case 1: product_rows_1(ai, channels, b, filters, channels, ci, filters); break;
    default: break;
    }
}

// The first half of the output transform, `Aᵀ m`: the two rows u0 and u1 of the tile's 16 products (`products` +
// plane * i, lane k), which `A` then turns into the 2x2 block's columns.
#define OUTPUT_ROWS(T, LOAD)                                                                                           \
    T u0[4], u1[4];                                                                                                    \
    for (int j = 0; j < 4; j++) {                                                                                      \
        T m0 = LOAD(products + j * plane + k), m1 = LOAD(products + (4 + j) * plane + k),                              \
          m2 = LOAD(products + (8 + j) * plane + k), m3 = LOAD(products + (12 + j) * plane + k);                       \
        u0[j] = m0 + m1 + m2;                                                                                          \
        u1[j] = m1 - m2 - m3;                                                                                          \
    }

#define OUTPUT_TILE(T, LOAD, STORE)                                                                                   \
    do {                                                                                                               \
        OUTPUT_ROWS(T, LOAD);                                                                                          \
        STORE(top + k, u0[0] + u0[1] + u0[2]);                                                                         \
        if (second_column) STORE(top + filters + k, u0[1] - u0[2] - u0[3]);                                            \
        if (second_row) {                                                                                              \
            STORE(bottom + k, u1[0] + u1[1] + u1[2]);                                                                  \
            if (second_column) STORE(bottom + filters + k, u1[1] - u1[2] - u1[3]);                                     \
        }                                                                                                              \
    } while (0)

// The output transform of one tile's 16 products (`products` + plane * i, filters contiguous) into the 2x2 block at
// (y, x) of the NHWC output image at `out_image` (its second row or column only inside the image).
static inline __attribute__((always_inline)) void output_tile(
    const float *products, long plane, float *out_image, long y, long x, long out_height, long out_width,
    long filters) {
    int second_row = y + 1 < out_height, second_column = x + 1 < out_width;
    float *top = out_image + (y * out_width + x) * filters;
    float *bottom = top + out_width * filters;
    long k = 0;
    for (; k + 8 <= filters; k += 8) OUTPUT_TILE(lane8, LOAD8, STORE8);
    for (; k < filters; k++) OUTPUT_TILE(float, LOAD1, STORE1);
}

// Maximum of x and y as MaxPool2D takes it, `y > x ? y : x` lane by lane (x when either is NaN), by a mask: a
// vector `?:` is not C.
typedef int lane8i __attribute__((vector_size(32)));
#define MAX8(x, y)                                                                                                     \
    ({                                                                                                                 \
        lane8 x_ = (x), y_ = (y);                                                                                      \
        lane8i greater_ = y_ > x_;                                                                                     \
        (lane8)(((lane8i)y_ & greater_) | ((lane8i)x_ & ~greater_));                                                   \
    })
#define MAX1(x, y) ((y) > (x) ? (y) : (x))

// The output transform of a tile into its 2x2 block's maximum, in window order (top left, top right, bottom left,
// bottom right) as MaxPool2D and the one-channel kernel take it.
#define OUTPUT_TILE_MAX(T, LOAD, STORE, MAX)                                                                          \
    do {                                                                                                               \
        OUTPUT_ROWS(T, LOAD);                                                                                          \
        T top_left = u0[0] + u0[1] + u0[2], top_right = u0[1] - u0[2] - u0[3];                                         \
        T bottom_left = u1[0] + u1[1] + u1[2], bottom_right = u1[1] - u1[2] - u1[3];                                   \
        STORE(pooled + k, MAX(MAX(MAX(top_left, top_right), bottom_left), bottom_right));                              \
    } while (0)

// The output transform of one tile's 16 products into the maximum of its 2x2 block, at `pooled` (filters
// contiguous).
static inline __attribute__((always_inline)) void output_tile_max(
    const float *products, long plane, float *pooled, long filters) {
    long k = 0;
    for (; k + 8 <= filters; k += 8) OUTPUT_TILE_MAX(lane8, LOAD8, STORE8, MAX8);
    for (; k < filters; k++) OUTPUT_TILE_MAX(float, LOAD1, STORE1, MAX1);
}

// The whole convolution, `group` tiles at a time (tiles numbered across the images, row by row): their input
// transforms, their 16 products, their output transforms, so that a group's transformed input and products stay in
// a core's L1/L2 cache between the three steps, and only the transformed kernel is read from further away.
static inline __attribute__((always_inline)) void convolve(
    const float *input, long images, long height, long width, long channels, long pad_top, long pad_left,
    const float *u, long filters, long padded_filters, long out_height, long out_width, float *output, long group,
    float *scratch, int pool) {
    // Pooled, only the tiles whose 2x2 block is a whole pool window: an odd last output row or column, which the
    // pool drops, is not computed at all.
    long tile_rows = pool ? out_height / 2 : (out_height + 1) / 2, tile_columns = pool ? out_width / 2 : (out_width + 1) / 2;
    long tiles_per_image = tile_rows * tile_columns, tiles = images * tiles_per_image;
    long input_plane = group * channels + 16, product_plane = group * padded_filters + 16;
    float *v = scratch, *m = scratch + 16 * input_plane;
    for (long first = 0; first < tiles; first += group) {
        long count = tiles - first < group ? tiles - first : group;
        for (long t = 0; t < count; t++) {
            long tile = first + t, image = tile / tiles_per_image, index = tile % tiles_per_image;
            long y0 = index / tile_columns * 2 - pad_top, x0 = index % tile_columns * 2 - pad_left;
            input_tile(input + image * height * width * channels, height, width, channels, y0, x0, v + t * channels,
                input_plane);
        }
        for (int xi = 0; xi < 16; xi++)
            product(v + xi * input_plane, count, channels, u + xi * channels * padded_filters, padded_filters,
                m + xi * product_plane);
        for (long t = 0; t < count; t++) {
            long tile = first + t, image = tile / tiles_per_image, index = tile % tiles_per_image;
            if (pool)
                output_tile_max(m + t * padded_filters, product_plane, output + tile * filters, filters);
            else
                output_tile(m + t * padded_filters, product_plane, output + image * out_height * out_width * filters,
                    index / tile_columns * 2, index % tile_columns * 2, out_height, out_width, filters);
        }
    }
}

__attribute__((target("avx2,fma"))) static void convolve_avx2_fma(
    const float *input, long images, long height, long width, long channels, long pad_top, long pad_left,
    const float *u, long filters, long padded_filters, long out_height, long out_width, float *output, long group,
    float *scratch, int pool) {
    convolve(input, images, height, width, channels, pad_top, pad_left, u, filters, padded_filters, out_height,
        out_width, output, group, scratch, pool);
}

static void convolve_baseline(
    const float *input, long images, long height, long width, long channels, long pad_top, long pad_left,
    const float *u, long filters, long padded_filters, long out_height, long out_width, float *output, long group,
    float *scratch, int pool) {
    convolve(input, images, height, width, channels, pad_top, pad_left, u, filters, padded_filters, out_height,
        out_width, output, group, scratch, pool);
}

void weightbridge_winograd_convolve(
    const float *input, long images, long height, long width, long channels, long pad_top, long pad_left,
    const float *u, long filters, long padded_filters, long out_height, long out_width, float *output, long group,
    float *scratch, int max_pool) {
    (weightbridge_kernels_use_avx2_fma() ? convolve_avx2_fma : convolve_baseline)(input, images, height, width,
        channels, pad_top, pad_left, u, filters, padded_filters, out_height, out_width, output, group, scratch,
        max_pool != 0);
}
