#ifndef WEIGHTBRIDGE_WINOGRAD_H
#define WEIGHTBRIDGE_WINOGRAD_H
// Winograd's F(2x2, 3x3) convolution, which NeuralNet's `WinogradConvolution` drives (it makes the transformed
// kernel and the scratch). Compiled for AVX2 with FMA and for baseline x86-64 and chosen by the CPU
// (`kernel_dispatch.h`); Swift has no per-function target, which is why these loops are C.

/// The raw convolution (no bias, no activation) of `images` NHWC images (height x width x channels) by a 3x3 kernel
/// of stride 1 into the NHWC output (images, out_height, out_width, filters); the tile at tile row r and column c
/// starts at input row `2r - pad_top` and column `2c - pad_left`, and taps outside the image read 0.
///
/// `u` is the transformed kernel `G g Gᵀ`: 16 row-major (channels, padded_filters) matrices, `padded_filters` a
/// multiple of 16 whose extra filters are zero. The tiles (numbered across the images, row by row) go `group` at a
/// time through the three steps:
/// - the input transform `Bᵀ d B` of each 4x4 input tile, Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0],
///   [0, 1, 0, -1]], eight channels at a time (additions only, in a fixed order: the same results on every CPU);
/// - the 16 products (group, channels) x (channels, padded_filters), six tiles x 16 filters per step, each dot product
///   summed over the channels in order (fused multiply-adds on AVX2);
/// - the output transform `Aᵀ m A`, Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]], whose second row or column is written only
///   inside the image.
/// so that a group's transformed input and products stay in cache between the steps. `scratch` holds
/// 16 * (group * channels + 16) + 16 * (group * padded_filters + 16) floats.
///
/// With `max_pool` != 0 the convolution is max-pooled by a 2x2 window of stride 2 without padding, into (images,
/// out_height / 2, out_width / 2, filters): each tile's 2x2 block is one pool window, so its output transform keeps
/// only the block's maximum (in window order, as MaxPool2D takes it), and the tiles of an odd last output row or
/// column, which the pool drops, are not computed (25 tiles instead of 36 for the seed CNN's 11x11 second layer). The
/// convolution output is never written.
void weightbridge_winograd_convolve(
    const float *input, long images, long height, long width, long channels, long pad_top, long pad_left,
    const float *u, long filters, long padded_filters, long out_height, long out_width, float *output, long group,
    float *scratch, int max_pool);
#endif
