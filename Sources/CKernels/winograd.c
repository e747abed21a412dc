#include "winograd.h"

#include <string.h>

typedef float lane8 __attribute__((vector_size(32)));

// Unaligned eight-lane loads and stores, as macros: a function taking or returning a 32-byte vector would have
// a different ABI in the two clones.
#define LOAD8(p) ({ lane8 lane_; memcpy(&lane_, (p), sizeof lane_); lane_; })
#define STORE8(p, v)                                                                                                   \
    do {                                                                                                               \
        lane8 lane_ = (v);                                                                                             \
        memcpy((p), &lane_, sizeof lane_);                                                                             \
    } while (0)

// One tile's input transform of one lane of type T (eight channels, or one) at channel k (taps at kk). The order of additions is
// fixed (the same in both clones and in every lane width), so results do not depend on the CPU.
#define INPUT_TILE(T, LOAD, STORE)                                                                                    \
    do {                                                                                                               \
        T c0[4], c1[4], c2[4], c3[4];                                                                                  \
        T *cs[4] = {c0, c1, c2, c3};                                                                                   \
        for (int j = 0; j < 4; j++) {                                                                                  \
            T d0 = LOAD(taps[j] + kk), d1 = LOAD(taps[4 + j] + kk), d2 = LOAD(taps[8 + j] + kk),                          \
              d3 = LOAD(taps[12 + j] + kk);                                                                             \
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

__attribute__((target_clones("avx2", "default"))) void weightbridge_winograd_input(
    const float *input, long images, long image_size, long height, long width, long channels, long pad_top,
    long pad_left, long tile_rows, long tile_columns, float *v, long plane) {
    // Taps in the padding read from here: up to 64 zero channels at a time.
    static const float zeros[64] = {0};
    long tile = 0;
    for (long image = 0; image < images; image++) {
        const float *pixels = input + image * image_size;
        for (long tile_row = 0; tile_row < tile_rows; tile_row++) {
            for (long tile_column = 0; tile_column < tile_columns; tile_column++, tile++) {
                float *out = v + tile * channels;
                for (long k0 = 0; k0 < channels; k0 += 64) {
                    const float *taps[16];
                    for (int r = 0; r < 4; r++) {
                        long y = tile_row * 2 - pad_top + r;
                        for (int s = 0; s < 4; s++) {
                            long x = tile_column * 2 - pad_left + s;
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
        }
    }
}

#define OUTPUT_TILE(T, LOAD, STORE)                                                                                   \
    do {                                                                                                               \
        T u0[4], u1[4];                                                                                                \
        for (int j = 0; j < 4; j++) {                                                                                  \
            T m0 = LOAD(products + j * plane + k), m1 = LOAD(products + (4 + j) * plane + k),                          \
              m2 = LOAD(products + (8 + j) * plane + k), m3 = LOAD(products + (12 + j) * plane + k);                   \
            u0[j] = m0 + m1 + m2;                                                                                      \
            u1[j] = m1 - m2 - m3;                                                                                      \
        }                                                                                                              \
        STORE(top + k, u0[0] + u0[1] + u0[2]);                                                                         \
        if (second_column) STORE(top + filters + k, u0[1] - u0[2] - u0[3]);                                            \
        if (second_row) {                                                                                              \
            STORE(bottom + k, u1[0] + u1[1] + u1[2]);                                                                  \
            if (second_column) STORE(bottom + filters + k, u1[1] - u1[2] - u1[3]);                                     \
        }                                                                                                              \
    } while (0)

__attribute__((target_clones("avx2", "default"))) void weightbridge_winograd_output(
    const float *m, long images, long out_height, long out_width, long filters, long tile_rows, long tile_columns,
    long plane, float *output) {
    long tile = 0;
    for (long image = 0; image < images; image++) {
        float *out = output + image * out_height * out_width * filters;
        for (long tile_row = 0; tile_row < tile_rows; tile_row++) {
            long y = tile_row * 2;
            int second_row = y + 1 < out_height;
            for (long tile_column = 0; tile_column < tile_columns; tile_column++, tile++) {
                long x = tile_column * 2;
                int second_column = x + 1 < out_width;
                const float *products = m + tile * filters;
                float *top = out + (y * out_width + x) * filters;
                float *bottom = top + out_width * filters;
                long k = 0;
                for (; k + 8 <= filters; k += 8) OUTPUT_TILE(lane8, LOAD8, STORE8);
                for (; k < filters; k++) OUTPUT_TILE(float, LOAD1, STORE1);
            }
        }
    }
}
