#ifndef WEIGHTBRIDGE_WINOGRAD_H
#define WEIGHTBRIDGE_WINOGRAD_H
// The two transforms of Winograd's F(2x2, 3x3) convolution (NeuralNet's `WinogradConvolution` drives them and runs
// the matrix products in between through oneDNN). Additions only, eight channels at a time: each function is
// compiled twice (`target_clones`), for AVX2 and for baseline x86-64 (SSE2), and the loader picks the one this CPU
// runs. Swift has no per-function target, which is why these few loops are C.

/// `Bᵀ d B` of every 4x4 input tile of `images` NHWC images (height x width x channels, `image_size` scalars
/// apart), tile (image, tile row, tile column) at input row `2 * tile_row - pad_top` and column
/// `2 * tile_column - pad_left`; taps outside the image read 0. Writes 16 planes of (tiles, channels), `plane`
/// scalars apart, at `v`. Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
void weightbridge_winograd_input(
    const float *input, long images, long image_size, long height, long width, long channels, long pad_top,
    long pad_left, long tile_rows, long tile_columns, float *v, long plane);

/// `Aᵀ m A` of every tile's 16 products (16 planes of (tiles, filters), `plane` scalars apart, at `m`) into the
/// NHWC raw output of `images` images (out_height x out_width x filters); a tile's second row or column is written
/// only inside the image. Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]].
void weightbridge_winograd_output(
    const float *m, long images, long out_height, long out_width, long filters, long tile_rows, long tile_columns,
    long plane, float *output);
#endif
