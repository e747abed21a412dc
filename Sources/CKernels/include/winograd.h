#ifndef WEIGHTBRIDGE_WINOGRAD_H
#define WEIGHTBRIDGE_WINOGRAD_H
// The three steps of Winograd's F(2x2, 3x3) convolution, which NeuralNet's `WinogradConvolution` drives: the input
// transform, the 16 matrix products, the output transform. Each is compiled for AVX2 with FMA and for baseline
// x86-64 and chosen by the CPU (`kernel_dispatch.h`); Swift has no per-function target, which is why these few
// loops are C. The transforms are additions only, eight channels at a time, in a fixed order, so they give the same
// results on every CPU.

/// `Bᵀ d B` of every 4x4 input tile of `images` NHWC images (height x width x channels, `image_size` scalars
/// apart), tile (image, tile row, tile column) at input row `2 * tile_row - pad_top` and column
/// `2 * tile_column - pad_left`; taps outside the image read 0. Writes 16 planes of (tiles, channels), `plane`
/// scalars apart, at `v`. Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
void weightbridge_winograd_input(
    const float *input, long images, long image_size, long height, long width, long channels, long pad_top,
    long pad_left, long tile_rows, long tile_columns, float *v, long plane);

/// The 16 products of plane `xi`: (tiles, channels) at `v + xi * input_plane` times (channels, filters) at
/// `u + xi * channels * filters` into (tiles, filters) at `m + xi * product_plane`. `filters` must be a multiple of
/// 16 (the caller pads the transformed kernel with zero filters). Six rows x 16 filters per step, each dot product
/// summed over the channels in order (fused multiply-adds on AVX2). oneDNN's `dnnl_sgemm` ran these small
/// products (72 x 32 x 64 for two MNIST images) at 30-50 GFLOP/s on a 2.45 GHz Zen 3 core, this at 52-62.
void weightbridge_winograd_products(
    const float *v, long tiles, long channels, long input_plane, const float *u, long filters, float *m,
    long product_plane);

/// `Aᵀ m A` of every tile's 16 products (16 planes of (tiles, product_stride), `plane` scalars apart, at `m`; the
/// first `filters` columns are used) into the NHWC raw output of `images` images (out_height x out_width x filters);
/// a tile's second row or column is written only inside the image. Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]].
void weightbridge_winograd_output(
    const float *m, long images, long out_height, long out_width, long filters, long product_stride, long tile_rows,
    long tile_columns, long plane, float *output);
#endif
