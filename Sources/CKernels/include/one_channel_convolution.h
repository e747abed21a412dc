#ifndef WEIGHTBRIDGE_ONE_CHANNEL_CONVOLUTION_H
#define WEIGHTBRIDGE_ONE_CHANNEL_CONVOLUTION_H
// The raw convolution (no bias, no activation) of one-channel images, for `Conv2D`'s `Float` inference (a network's
// first layer on grey images: the seed CNN's 3x3 x 32 over MNIST). Compiled for AVX2 with FMA and for baseline
// x86-64, chosen at each call by the CPU's features (`kernel_dispatch.h`).
//
// Each output pixel's filters are eight-lane accumulators summed tap by tap in (kernel row, kernel column) order.
// im2col + GEMM did the same work as a product with only kh * kw = 9 terms per dot product, which no GEMM kernel
// runs near its peak.

/// `images` images of height x width (one channel, NHWC), kernel HWIO (kernel_height, kernel_width, 1, filters),
/// strides and paddings as `ConvolutionGeometry` has them (taps in the padding read 0), into the NHWC output
/// (images, out_height, out_width, filters).
void weightbridge_convolve_one_channel(
    const float *input, long images, long height, long width, const float *kernel, long kernel_height,
    long kernel_width, long filters, long stride_height, long stride_width, long pad_top, long pad_left,
    long out_height, long out_width, float *output);

/// The same convolution followed by a 2x2 max-pool of stride 2 without padding (the raw convolution's maximum over
/// each whole 2x2 window, in window order as `MaxPool2D` takes it; an odd last row or column is dropped), written to
/// (images, out_height / 2, out_width / 2, filters). The convolution's rows are made two at a time in `rows`
/// (scratch of 2 x out_width x filters floats, in L1 for a first layer) and pooled at once, so the whole first-layer
/// output (86 KB per MNIST image) is never written out and read back.
void weightbridge_convolve_one_channel_max_pool(
    const float *input, long images, long height, long width, const float *kernel, long kernel_height,
    long kernel_width, long filters, long stride_height, long stride_width, long pad_top, long pad_left,
    long out_height, long out_width, float *output, float *rows);
#endif
