#include "sparse_input_product.h"

#include "kernel_dispatch.h"

#include "lanes.h"

#include <string.h>

#define LOAD4(p) LOAD_LANE(lane4, p)
#define STORE4(p, v) STORE_LANE(p, v)

// Units per strip: eight lanes of four, held in registers while a column's entries go by.
#define STRIP 32

long weightbridge_sparse_masks(const double *x, long rows, long in, uint64_t *masks) {
    long count = 0;
    for (long first = 0; first < rows; first += 64) {
        uint64_t *mask = masks + first / 64 * in;
        long end = first + 64 < rows ? first + 64 : rows;
        for (long j = 0; j < in; j++) mask[j] = 0;
        for (long r = first; r < end; r++) {
            const double *row = x + r * in;
            uint64_t bit = (uint64_t)1 << (r - first);
            for (long j = 0; j < in; j++) mask[j] |= row[j] != 0 ? bit : 0;  // Branch-free: no mispredicted zeros.
        }
        for (long j = 0; j < in; j++) count += __builtin_popcountll(mask[j]);
    }
    return count;
}

// One strip of LANES lanes of four units at `u` (the product), two columns at a time: each row that either column
// is nonzero in gets both columns' multiply-adds (a zero one adds zero) with one load and store of its sums, which
// `scratch` (rows x 4 * LANES, contiguous: rows `units` apart in `y` would share few L1 sets) gathers before they go
// to `y`.
#define PRODUCT_STRIP(LANES)                                                                                           \
    do {                                                                                                               \
        memset(scratch, 0, sizeof(double) * 4 * LANES * (size_t)rows);                                                 \
        for (long j = 0; j < in; j += 2) {                                                                             \
            long j1 = j + 1 < in ? j + 1 : j;                                                                          \
            lane4 w0[LANES], w1[LANES];                                                                                \
            for (int l = 0; l < LANES; l++) {                                                                          \
                w0[l] = LOAD4(w + j * units + u + 4 * l);                                                              \
                w1[l] = j1 > j ? LOAD4(w + j1 * units + u + 4 * l) : (lane4){0, 0, 0, 0};                              \
            }                                                                                                          \
            for (long block = 0; block < blocks; block++) {                                                            \
                uint64_t m = masks[block * in + j] | (j1 > j ? masks[block * in + j1] : 0);                            \
                for (; m != 0; m &= m - 1) {                                                                           \
                    long r = block * 64 + __builtin_ctzll(m);                                                          \
                    double *z = scratch + r * 4 * LANES;                                                               \
                    double x0 = x[r * in + j], x1 = j1 > j ? x[r * in + j1] : 0;                                       \
                    lane4 v0 = {x0, x0, x0, x0}, v1 = {x1, x1, x1, x1};                                                \
                    for (int l = 0; l < LANES; l++) {                                                                  \
                        lane4 sum = LOAD4(z + 4 * l) + v0 * w0[l];                                                     \
                        STORE4(z + 4 * l, sum + v1 * w1[l]);                                                           \
                    }                                                                                                  \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        for (long r = 0; r < rows; r++) memcpy(y + r * units + u, scratch + r * 4 * LANES, sizeof(double) * 4 * LANES); \
    } while (0)

#define PRODUCT_BODY()                                                                                                 \
    do {                                                                                                               \
        long blocks = (rows + 63) / 64;                                                                                \
        long u = unit_begin;                                                                                           \
        for (; u + 16 <= unit_end; u += 16) PRODUCT_STRIP(4);                                                          \
        for (; u + 4 <= unit_end; u += 4) PRODUCT_STRIP(1);                                                            \
        for (; u < unit_end; u++) {                                                                                    \
            for (long r = 0; r < rows; r++) {                                                                          \
                double sum = 0;                                                                                        \
                for (long j = 0; j < in; j++) {                                                                        \
                    if (masks[(r / 64) * in + j] >> (r % 64) & 1) sum += x[r * in + j] * w[j * units + u];             \
                }                                                                                                      \
                y[r * units + u] = sum;                                                                                \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

__attribute__((target("avx2,fma"))) static void product_avx2_fma(
    const double *x, const uint64_t *masks, long rows, long in, const double *w, long units, long unit_begin,
    long unit_end, double *y, double *scratch) {
    PRODUCT_BODY();
}

static void product_baseline(
    const double *x, const uint64_t *masks, long rows, long in, const double *w, long units, long unit_begin,
    long unit_end, double *y, double *scratch) {
    PRODUCT_BODY();
}

void weightbridge_sparse_input_product(
    const double *x, const uint64_t *masks, long rows, long in, const double *w, long units, long unit_begin,
    long unit_end, double *y, double *scratch) {
    (weightbridge_kernels_use_avx2_fma() ? product_avx2_fma : product_baseline)(
        x, masks, rows, in, w, units, unit_begin, unit_end, y, scratch);
}

// One strip of LANES lanes of four units at `u` (the kernel gradient): the output gradient's strip is packed into
// `scratch` (rows x 4 * LANES), then each column's sums stay in registers while its nonzero rows go by, and are
// stored to `dw`, or, with `step`, subtracted from the kernel there times `rate` (columns without a nonzero value,
// whose gradient is zero, left as they are).
#define GRADIENT_STRIP(LANES)                                                                                          \
    do {                                                                                                               \
        for (long r = 0; r < rows; r++) memcpy(scratch + r * 4 * LANES, d + r * units + u, sizeof(double) * 4 * LANES); \
        for (long j = 0; j < in; j++) {                                                                                \
            lane4 sum[LANES];                                                                                          \
            for (int l = 0; l < LANES; l++) sum[l] = (lane4){0, 0, 0, 0};                                              \
            int nonzero = 0;                                                                                           \
            for (long block = 0; block < blocks; block++) {                                                            \
                nonzero |= masks[block * in + j] != 0;                                                                 \
                for (uint64_t m = masks[block * in + j]; m != 0; m &= m - 1) {                                        \
                    long r = block * 64 + __builtin_ctzll(m);                                                          \
                    const double *dr = scratch + r * 4 * LANES;                                                        \
                    double xr = x[r * in + j];                                                                         \
                    lane4 v = {xr, xr, xr, xr};                                                                        \
                    for (int l = 0; l < LANES; l++) sum[l] += v * LOAD4(dr + 4 * l);                                   \
                }                                                                                                      \
            }                                                                                                          \
            if (!step) {                                                                                               \
                for (int l = 0; l < LANES; l++) STORE4(dw + j * units + u + 4 * l, sum[l]);                            \
            } else if (nonzero) {                                                                                      \
                /* Two roundings, as `SGD.update`: the step, then the difference (two statements: no FMA). */        \
                for (int l = 0; l < LANES; l++) {                                                                      \
                    lane4 delta = rate4 * sum[l];                                                                      \
                    STORE4(dw + j * units + u + 4 * l, LOAD4(dw + j * units + u + 4 * l) - delta);                     \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

#define GRADIENT_BODY()                                                                                                \
    do {                                                                                                               \
        long blocks = (rows + 63) / 64;                                                                                \
        lane4 rate4 = {rate, rate, rate, rate};                                                                        \
        long u = unit_begin;                                                                                           \
        for (; u + STRIP <= unit_end; u += STRIP) GRADIENT_STRIP(8);                                                   \
        for (; u + 4 <= unit_end; u += 4) GRADIENT_STRIP(1);                                                           \
        for (; u < unit_end; u++) {                                                                                    \
            for (long j = 0; j < in; j++) {                                                                           \
                double sum = 0;                                                                                        \
                int nonzero = 0;                                                                                       \
                for (long r = 0; r < rows; r++) {                                                                      \
                    int set = masks[(r / 64) * in + j] >> (r % 64) & 1;                                                \
                    nonzero |= set;                                                                                    \
                    if (set) sum += x[r * in + j] * d[r * units + u];                                                  \
                }                                                                                                      \
                if (!step) {                                                                                           \
                    dw[j * units + u] = sum;                                                                           \
                } else if (nonzero) {                                                                                  \
                    double delta = rate * sum;                                                                         \
                    dw[j * units + u] = dw[j * units + u] - delta;                                                     \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
    } while (0)

__attribute__((target("avx2,fma"))) static void gradient_avx2_fma(
    const double *x, const uint64_t *masks, long rows, long in, const double *d, long units, long unit_begin,
    long unit_end, double *dw, double rate, int step, double *scratch) {
    GRADIENT_BODY();
}

static void gradient_baseline(
    const double *x, const uint64_t *masks, long rows, long in, const double *d, long units, long unit_begin,
    long unit_end, double *dw, double rate, int step, double *scratch) {
    GRADIENT_BODY();
}

void weightbridge_sparse_input_kernel_gradient(
    const double *x, const uint64_t *masks, long rows, long in, const double *d, long units, long unit_begin,
    long unit_end, double *dw, double *scratch) {
    (weightbridge_kernels_use_avx2_fma() ? gradient_avx2_fma : gradient_baseline)(
        x, masks, rows, in, d, units, unit_begin, unit_end, dw, 0, 0, scratch);
}

void weightbridge_sparse_input_sgd_step(
    const double *x, const uint64_t *masks, long rows, long in, const double *d, long units, long unit_begin,
    long unit_end, double *w, double rate, double *scratch) {
    (weightbridge_kernels_use_avx2_fma() ? gradient_avx2_fma : gradient_baseline)(
        x, masks, rows, in, d, units, unit_begin, unit_end, w, rate, 1, scratch);
}
