#ifndef WEIGHTBRIDGE_SPARSE_INPUT_PRODUCT_H
#define WEIGHTBRIDGE_SPARSE_INPUT_PRODUCT_H
// Float64 Dense products over the nonzero inputs only, which NeuralNet's `SparseInputProduct` drives for `Double`
// models whose inputs are mostly zeros (MNIST pixels: 81% of them). Compiled for AVX2 with FMA and for baseline x86-64
// and chosen by the CPU (`kernel_dispatch.h`).
//
// The batch is indexed first: `masks` has, for every block of 64 rows and every input column, a bit per row whose
// value is not zero (NaN included), which the products walk. Every output
// element is then one chain of multiply-adds in a fixed order (ascending column for the product, ascending row for
// the kernel gradient; fused on AVX2), whatever unit range a call covers, so splitting the units over threads does
// not change a bit. Zero inputs add nothing, or (the product takes columns two at a time) a zero times the weight,
// which changes no sum but a zero's sign; times an infinite or NaN weight, that zero may add a NaN or nothing, where
// OpenBLAS always adds the NaN.

#include <stdint.h>

/// Fills `masks` (in * ceil(rows / 64) values: block b's column j at b * in + j) for the row-major (rows, in) `x`;
/// returns the number of its values that are not zero.
long weightbridge_sparse_masks(const double *x, long rows, long in, uint64_t *masks);

/// `y[r, u] = sum over the columns j where x[r, j] is not zero of x[r, j] * w[j, u]`, for the units u in
/// [unit_begin, unit_end) of the row-major (rows, units) `y` (every value in that range written), from the row-major
/// (rows, in) `x`, its `masks` and the row-major (in, units) kernel `w`. `scratch` holds 16 * rows values.
void weightbridge_sparse_input_product(
    const double *x, const uint64_t *masks, long rows, long in, const double *w, long units, long unit_begin,
    long unit_end, double *y, double *scratch);

/// The kernel gradient `dw[j, u] = sum over the rows r where x[r, j] is not zero of x[r, j] * d[r, u]`, for the units
/// in [unit_begin, unit_end) of the row-major (in, units) `dw` (every value in that range written: the rows of
/// columns that are zero throughout are zero), from `x`, its `masks` and the row-major (rows, units) output gradient
/// `d`. `scratch` holds 32 * rows values.
void weightbridge_sparse_input_kernel_gradient(
    const double *x, const uint64_t *masks, long rows, long in, const double *d, long units, long unit_begin,
    long unit_end, double *dw, double *scratch);
/// `weightbridge_sparse_input_kernel_gradient` and SGD's step in one pass: `w[j, u] = w[j, u] - rate * dw[j, u]`
/// (the product rounded, then the difference, as `SGD.update` rounds them) for the units in [unit_begin, unit_end)
/// of the row-major (in, units) kernel `w`, whose rows of columns that are zero throughout (a zero gradient) are not
/// touched. Each core's share of the kernel stays in its cache from the product to the step, and the gradient is
/// never stored.
void weightbridge_sparse_input_sgd_step(
    const double *x, const uint64_t *masks, long rows, long in, const double *d, long units, long unit_begin,
    long unit_end, double *w, double rate, double *scratch);
#endif
