import CKernels
import Foundation
import NeuralNet
import TestSupport
import XCTest

/// `Float` inference runs kernels of its own for two kinds of convolution: Winograd's F(2x2, 3x3) for 3x3 stride-1
/// kernels over several channels, and a direct FMA loop over one-channel images. `Double` runs im2col + GEMM. The
/// two must agree to float32 rounding on every shape the kernels' edges touch: odd output sizes (a Winograd tile's
/// second row or column outside the image), `same` padding, strides, channel and filter counts that are not
/// multiples of the kernels' lane widths (8, 16 and 32 filters), tile counts that are not multiples of the product
/// kernel's 6 rows, and batches that are not multiples of a block. The kernels' baseline x86-64 versions (a CPU
/// without AVX2 runs them) are checked on the same cases by forcing them.
final class FloatConvolutionKernelTests: XCTestCase {
    private struct Case {
        let height: Int, width: Int, channels: Int, filters: Int, padding: Padding, batch: Int
        var kernel = 3, stride = 1
        /// A 2x2 max-pool of stride 2 after the convolution (the one-channel and Winograd kernels then pool in the same
        /// pass).
        var pooled = false
    }

    /// Worst absolute difference between the `Float` and `Double` predictions of one convolution with random
    /// weights, and the largest output magnitude.
    private func worstDifference(_ c: Case, seed: UInt64) throws -> (worst: Double, magnitude: Double) {
        var generator = SeededGenerator(seed: seed)
        func uniform(_ count: Int) -> [Double] { (0..<count).map { _ in Double.random(in: -1...1, using: &generator) } }
        let kernel = uniform(c.kernel * c.kernel * c.channels * c.filters)
        let bias = uniform(c.filters)
        let input = uniform(c.batch * c.height * c.width * c.channels)
        func predict<Scalar: NNScalar>(_: Scalar.Type) throws -> [Double] {
            let convolution = LayerSpec.conv2D(
                filters: c.filters, kernelHeight: c.kernel, kernelWidth: c.kernel, strideHeight: c.stride, strideWidth: c.stride,
                padding: c.padding, activation: .linear, useBias: true)
            let pool = LayerSpec.maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid)
            let model = try Sequential<Scalar>(
                inputShape: [c.height, c.width, c.channels], layers: c.pooled ? [convolution, pool] : [convolution])
            try model.setWeights(
                layer: 0,
                [
                    Tensor(shape: [c.kernel, c.kernel, c.channels, c.filters], scalars: kernel.map { Scalar($0) }),
                    Tensor(shape: [c.filters], scalars: bias.map { Scalar($0) }),
                ])
            let output = model.predict(Tensor(shape: [c.batch, c.height, c.width, c.channels], scalars: input.map { Scalar($0) }))
            return output.scalars.map { Double($0) }
        }
        let single = try predict(Float.self)
        let double = try predict(Double.self)
        XCTAssertEqual(single.count, double.count)
        let worst = zip(single, double).map { abs($0 - $1) }.max() ?? .infinity
        return (worst, double.map(abs).max() ?? 0)
    }

    func testFloatWinogradMatchesDoubleIm2colOnOddSizesPaddingsAndLaneRemainders() throws {
        try checkWinogradCases()
    }

    func testFloatOneChannelKernelMatchesDoubleIm2colOnStridesPaddingsAndFilterRemainders() throws {
        try checkOneChannelCases()
    }

    func testBaselineKernelVersionsMatchDoubleIm2colOnTheSameCases() throws {
        weightbridge_kernels_force_baseline(1)
        defer { weightbridge_kernels_force_baseline(0) }
        XCTAssertEqual(weightbridge_kernels_use_avx2_fma(), 0, "forcing the baseline versions did not take")
        try checkWinogradCases()
        try checkOneChannelCases()
    }

    private func checkWinogradCases() throws {
        let cases = [
            Case(height: 13, width: 13, channels: 32, filters: 64, padding: .valid, batch: 11),  // The seed CNN's second layer.
            Case(height: 7, width: 9, channels: 5, filters: 6, padding: .same, batch: 3),
            Case(height: 8, width: 6, channels: 4, filters: 9, padding: .valid, batch: 9),
            Case(height: 3, width: 3, channels: 7, filters: 4, padding: .valid, batch: 1),  // One output position.
            Case(height: 1, width: 5, channels: 6, filters: 5, padding: .same, batch: 2),  // Every tile mostly padding.
            // Filters 16 + 16 + 8 and 16 + 1 (padded with zero filters); blocks of 22 and 11 tiles (6-row steps and 4
            // or 5 left), then 9 (3 left).
            Case(height: 3, width: 23, channels: 33, filters: 40, padding: .valid, batch: 3),
            Case(height: 7, width: 7, channels: 9, filters: 17, padding: .valid, batch: 1),
            // Pooled in the same pass: the seed CNN's second layer and pool (11x11 output: the last tile row and column
            // not computed), an even output, `same` padding with an odd height, 17 filters, 25 tiles in 24s.
            Case(height: 13, width: 13, channels: 32, filters: 64, padding: .valid, batch: 11, pooled: true),
            Case(height: 10, width: 10, channels: 5, filters: 6, padding: .valid, batch: 3, pooled: true),
            Case(height: 7, width: 9, channels: 6, filters: 17, padding: .same, batch: 2, pooled: true),
            Case(height: 12, width: 12, channels: 4, filters: 8, padding: .valid, batch: 1, pooled: true),
        ]
        for (index, c) in cases.enumerated() {
            let (worst, magnitude) = try worstDifference(c, seed: UInt64(index + 1))
            // Sums of 9 * channels products of magnitude <= 1, rounded to float32 (relative 6e-8 per step).
            let bound = Double(c.kernel * c.kernel * c.channels) * 1.2e-7 * max(magnitude, 1)
            XCTAssertLessThanOrEqual(worst, bound, "\(c)")
            XCTAssertGreaterThan(magnitude, 0.1, "\(c): the outputs are not all zero")
        }
    }

    private func checkOneChannelCases() throws {
        let cases = [
            Case(height: 28, width: 28, channels: 1, filters: 32, padding: .valid, batch: 10),  // The seed CNN's first layer.
            Case(height: 9, width: 15, channels: 1, filters: 48, padding: .same, batch: 3),  // Six-pixel blocks and edges.
            Case(height: 6, width: 11, channels: 1, filters: 13, padding: .same, batch: 2, kernel: 5),  // 8 + 5 filters.
            Case(height: 10, width: 9, channels: 1, filters: 40, padding: .valid, batch: 17, kernel: 3, stride: 2),
            Case(height: 4, width: 4, channels: 1, filters: 3, padding: .same, batch: 1, kernel: 2, stride: 3),
            // Pooled in the same pass: the seed CNN's first layer and pool; odd convolution outputs (the last row and
            // column dropped), 13 filters, strides and padding.
            Case(height: 28, width: 28, channels: 1, filters: 32, padding: .valid, batch: 10, pooled: true),
            Case(height: 9, width: 12, channels: 1, filters: 13, padding: .valid, batch: 3, kernel: 2, pooled: true),
            Case(height: 11, width: 10, channels: 1, filters: 40, padding: .same, batch: 17, kernel: 3, stride: 2, pooled: true),
        ]
        for (index, c) in cases.enumerated() {
            let (worst, magnitude) = try worstDifference(c, seed: UInt64(100 + index))
            let bound = Double(c.kernel * c.kernel) * 1.2e-7 * max(magnitude, 1)
            XCTAssertLessThanOrEqual(worst, bound, "\(c)")
            XCTAssertGreaterThan(magnitude, 0.1, "\(c): the outputs are not all zero")
        }
    }

    /// The fused convolution + pool gives exactly what pooling the whole convolution output gives: the same products
    /// and output transform, the maximum taken in window order (bias after the pool is exact, rounding being
    /// monotonic). Pooled over the Winograd kernel (an odd 11x11 output) and the one-channel kernel, and their baseline
    /// versions.
    func testFusedConvolutionAndPoolEqualPoolingTheWholeConvolutionBitForBit() throws {
        for baseline in [false, true] {
            weightbridge_kernels_force_baseline(baseline ? 1 : 0)
            defer { weightbridge_kernels_force_baseline(0) }
            for (size, channels) in [(13, 32), (28, 1)] {
                var generator = SeededGenerator(seed: UInt64(size))
                let kernel = (0..<(9 * channels * 24)).map { _ in Float.random(in: -1...1, using: &generator) }
                let bias = (0..<24).map { _ in Float.random(in: -1...1, using: &generator) }
                let batch = 5
                let input = Tensor<Float>(
                    shape: [batch, size, size, channels],
                    scalars: (0..<(batch * size * size * channels)).map { _ in Float.random(in: -1...1, using: &generator) })
                let convolution = LayerSpec.conv2D(
                    filters: 24, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu,
                    useBias: true)
                let pool = LayerSpec.maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid)
                let fused = try Sequential<Float>(inputShape: [size, size, channels], layers: [convolution, pool])
                let whole = try Sequential<Float>(inputShape: [size, size, channels], layers: [convolution])
                for model in [fused, whole] {
                    try model.setWeights(
                        layer: 0, [Tensor(shape: [3, 3, channels, 24], scalars: kernel), Tensor(shape: [24], scalars: bias)])
                }
                let pooled = fused.predict(input)
                let full = whole.predict(input)
                let out = size - 2
                let half = out / 2
                XCTAssertEqual(pooled.shape, [batch, half, half, 24])
                var expected: [Float] = []
                for n in 0..<batch {
                    for py in 0..<half {
                        for px in 0..<half {
                            for f in 0..<24 {
                                func at(_ y: Int, _ x: Int) -> Float { full.scalars[((n * out + y) * out + x) * 24 + f] }
                                func larger(_ x: Float, _ y: Float) -> Float { y > x ? y : x }
                                expected.append(
                                    larger(
                                        larger(larger(at(2 * py, 2 * px), at(2 * py, 2 * px + 1)), at(2 * py + 1, 2 * px)),
                                        at(2 * py + 1, 2 * px + 1)))
                            }
                        }
                    }
                }
                XCTAssertEqual(pooled.scalars, expected, "\(size)x\(size)x\(channels), baseline \(baseline)")
                XCTAssertGreaterThan(expected.filter { $0 > 0 }.count, expected.count / 4, "the outputs are not all zero")
            }
        }
    }

    func testWinogradUsesWeightsSetAfterAPrediction() throws {
        // The transformed kernel is kept between calls; new weights must replace it.
        let model = try Sequential<Float>(
            inputShape: [4, 4, 4],
            layers: [
                .conv2D(
                    filters: 4, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .linear,
                    useBias: false)
            ])
        let input = Tensor<Float>(shape: [1, 4, 4, 4], scalars: (0..<64).map { Float($0 % 5) })
        try model.setWeights(layer: 0, [Tensor(shape: [3, 3, 4, 4], scalars: [Float](repeating: 1, count: 144))])
        let first = model.predict(input).scalars
        try model.setWeights(layer: 0, [Tensor(shape: [3, 3, 4, 4], scalars: [Float](repeating: 2, count: 144))])
        let second = model.predict(input).scalars
        XCTAssertEqual(second, first.map { $0 * 2 })
        // Each output sums 36 inputs: rows 0-2 and columns 0-2 (or 1-3) of every channel.
        XCTAssertEqual(first.count, 16)
        XCTAssertGreaterThan(first[0], 0)
    }
}
