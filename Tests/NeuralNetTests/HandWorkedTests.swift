import Foundation
import NeuralNet
import TestSupport
import XCTest

/// Small cases checked on paper, each run in Float and Double.
final class HandWorkedTests: XCTestCase {
    private func conv2x2<Scalar: NNScalar>(_: Scalar.Type, padding: Padding) throws -> Tensor<Scalar> {
        let model = try Sequential<Scalar>(
            inputShape: [3, 3, 1],
            layers: [
                .conv2D(
                    filters: 1, kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1, padding: padding, activation: .linear,
                    useBias: true)
            ])
        try model.setWeights(layer: 0, [Tensor(shape: [2, 2, 1, 1], scalars: [1, 2, 3, 4]), Tensor(shape: [1], scalars: [0.5])])
        return model.predict(Tensor(shape: [1, 3, 3, 1], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9]))
    }

    func testValid2x2ConvolutionMatchesPaper() throws {
        // [[1,2],[4,5]]·[[1,2],[3,4]] = 1+4+12+20 = 37, then +0.5; and so on.
        XCTAssertEqual(try conv2x2(Float.self, padding: .valid).scalars, [37.5, 47.5, 67.5, 77.5])
        XCTAssertEqual(try conv2x2(Double.self, padding: .valid).shape, [1, 2, 2, 1])
        XCTAssertEqual(try conv2x2(Double.self, padding: .valid).scalars, [37.5, 47.5, 67.5, 77.5])
    }

    func testTwoChannelConvolutionUsesWeightsSetAfterAPrediction() throws {
        // Float inference on several input channels runs oneDNN plans that keep a reordered copy of the kernel: new
        // weights must reach the next prediction, whichever batch size's plan runs.
        let model = try Sequential<Float>(
            inputShape: [2, 2, 2],
            layers: [
                .conv2D(
                    filters: 1, kernelHeight: 2, kernelWidth: 2, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .linear,
                    useBias: true)
            ])
        let one = Tensor<Float>(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        let three = Tensor<Float>(shape: [3, 2, 2, 2], scalars: (0..<24).map { Float($0 % 8 + 1) })
        let ones = Tensor<Float>(shape: [2, 2, 2, 1], scalars: [Float](repeating: 1, count: 8))
        try model.setWeights(layer: 0, [ones, Tensor(shape: [1], scalars: [0.5])])
        // 1 + 2 + ... + 8 = 36, then + 0.5.
        XCTAssertEqual(model.predict(one).scalars, [36.5])
        XCTAssertEqual(model.predict(three, batchSize: 3).scalars, [36.5, 36.5, 36.5])
        let corners = Tensor<Float>(shape: [2, 2, 2, 1], scalars: [1, 0, 0, 0, 0, 0, 0, 2])
        try model.setWeights(layer: 0, [corners, Tensor(shape: [1], scalars: [0])])
        // Only the first channel of the top-left pixel (1) and the second channel of the bottom-right one (8, times 2).
        XCTAssertEqual(model.predict(one).scalars, [17])
        XCTAssertEqual(model.predict(three, batchSize: 3).scalars, [17, 17, 17])
    }

    func testSame2x2ConvolutionPadsAfterLikeTensorFlow() throws {
        // pad_total = 1, pad_before = 0: the zero row/column goes after, so out[0,2] = 3*1 + 6*3 = 21, out[2,2] = 9.
        let expected: [Double] = [37, 47, 21, 67, 77, 33, 23, 26, 9].map { $0 + 0.5 }
        XCTAssertEqual(try conv2x2(Double.self, padding: .same).scalars, expected)
        XCTAssertEqual(try conv2x2(Float.self, padding: .same).scalars, expected.map(Float.init))
    }

    private func checkMaxPoolSameOdd<Scalar: NNScalar>(_: Scalar.Type) throws {
        let model = try Sequential<Scalar>(
            inputShape: [3, 5, 1], layers: [.maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .same)])
        XCTAssertEqual(model.outputShapes, [[2, 3, 1]])
        let input = Tensor<Scalar>(shape: [1, 3, 5, 1], scalars: [1, 9, 2, 8, 3, 7, 4, 6, 5, 0, -1, -2, -3, -4, -5])
        // Padding never wins: the last row holds only negatives and still yields them.
        XCTAssertEqual(model.predict(input).scalars, [9, 8, 3, -1, -3, -5])
    }

    func testMaxPoolSamePaddingOnOddSizesIgnoresPadding() throws {
        try checkMaxPoolSameOdd(Float.self)
        try checkMaxPoolSameOdd(Double.self)
    }

    private func checkSoftmax<Scalar: NNScalar>(_: Scalar.Type, tolerance: Scalar) throws {
        let model = try Sequential<Scalar>(inputShape: [4], layers: [.activation(.softmax)])
        // Large logits would overflow exp without the max subtraction.
        let input = Tensor<Scalar>(shape: [3, 4], scalars: [1, 2, 3, 4, 1000, 1000, 999, -1000, 0, 0, 0, 0])
        let output = model.predict(input).scalars
        for row in 0..<3 {
            let sum = output[(row * 4)..<(row * 4 + 4)].reduce(0, +)
            XCTAssertEqual(Double(sum), 1, accuracy: Double(tolerance))
        }
        XCTAssertEqual(Double(output[8]), 0.25, accuracy: Double(tolerance))
        XCTAssertFalse(output.contains { $0.isNaN })
        XCTAssertEqual(Double(output[4]), Double(output[5]))
    }

    func testSoftmaxRowsSumToOneAndSurviveLargeLogits() throws {
        try checkSoftmax(Float.self, tolerance: Float(Tolerance.float32ShortSum))
        try checkSoftmax(Double.self, tolerance: Tolerance.float64ShortSum)
    }

    func testFlattenKeepsRowMajorHWCOrder() throws {
        let model = try Sequential<Double>(inputShape: [2, 2, 2], layers: [.flatten()])
        let input = Tensor<Double>(shape: [1, 2, 2, 2], scalars: [0, 1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(model.predict(input), Tensor(shape: [1, 8], scalars: [0, 1, 2, 3, 4, 5, 6, 7]))
    }

    func testSeedCNNShapesAndParameterCount() throws {
        let model = try Sequential<Float>(inputShape: [28, 28, 1], layers: ModelSpecs.seedCNN)
        XCTAssertEqual(model.outputShapes, [[26, 26, 32], [13, 13, 32], [11, 11, 64], [5, 5, 64], [1600], [128], [10]])
        XCTAssertEqual(model.parameterCounts, [320, 0, 18496, 0, 0, 204928, 1290])
        XCTAssertEqual(model.parameterCount, 225_034)
    }

    func testRejectsImpossibleShapes() {
        XCTAssertThrowsError(
            try Sequential<Float>(
                inputShape: [2, 2, 1],
                layers: [
                    .conv2D(
                        filters: 1, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu,
                        useBias: true)
                ])
        ) { error in
            XCTAssertEqual(
                error.localizedDescription,
                "layer 'conv2d' cannot take input (2, 2, 1): kernel 3x3 is larger than the 2x2 image with valid padding")
        }
        // Dense applies to the last axis of any rank, as in Keras.
        XCTAssertEqual(try Sequential<Float>(inputShape: [4, 4, 1], layers: [.dense(units: 3)]).outputShape, [4, 4, 3])
        XCTAssertThrowsError(try Sequential<Float>(inputShape: [4], layers: [.dropout(rate: 1)]))
    }

    func testSetWeightsNamesLayerAndShapes() throws {
        let model = try Sequential<Float>(inputShape: [4], layers: [.flatten(), .dense(units: 3, activation: .relu, useBias: true)])
        XCTAssertThrowsError(try model.setWeights(layer: 1, [Tensor(zeros: [3, 4]), Tensor(zeros: [3])])) { error in
            XCTAssertEqual(error.localizedDescription, "layer 'dense': weight 0 has shape [3, 4], expected [4, 3]")
        }
        XCTAssertThrowsError(try model.setWeights(layer: 1, [Tensor(zeros: [4, 3])])) { error in
            XCTAssertEqual(error.localizedDescription, "layer 'dense': expected 2 weight arrays, found 1")
        }
        XCTAssertEqual(model.weights(layer: 0), [])
    }

    func testMaxPoolTieSendsGradientToFirstMaximumLikeTensorFlow() throws {
        let model = try Sequential<Double>(
            inputShape: [2, 2, 1],
            layers: [
                .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid), .flatten(),
                .dense(units: 2, activation: .softmax, useBias: true),
            ])
        try model.setWeights(layer: 2, [Tensor(shape: [1, 2], scalars: [1, -1]), Tensor(zeros: [2])])
        var generator = SeededGenerator(seed: 0)
        let result = model.gradients(
            x: Tensor(shape: [1, 2, 2, 1], scalars: [3, 3, 3, 3]), labels: [0], generator: &generator, includeInputGradient: true)
        // p = softmax(3, -3); d(pool) = (p0 - 1) * 1 + p1 * (-1) = -2 p1, all of it to the first of the four equal maxima.
        let p1 = 1 / (1 + Foundation.exp(6.0))
        let dx = try XCTUnwrap(result.input).scalars
        XCTAssertEqual(dx[0], -2 * p1, accuracy: Tolerance.float64FewOperations)
        XCTAssertEqual(Array(dx[1...]), [0, 0, 0])
    }

    func testPredictInChunksEqualsOneBatch() throws {
        let model = try Sequential<Double>(inputShape: [6, 6, 2], layers: ModelSpecs.smallCNN)
        model.initialize(seed: 3)
        var generator = SeededGenerator(seed: 9)
        let input = Tensor<Double>(shape: [37, 6, 6, 2], scalars: (0..<(37 * 72)).map { _ in generator.nextUnitDouble() })
        let chunked = model.predict(input, batchSize: 5).scalars
        let whole = model.predict(input, batchSize: 1000).scalars
        // The image layers are WeightBridge's own kernels and give bit-identical results for any chunking; the Dense
        // head is OpenBLAS's dgemm, whose blocking depends on the row count (5 rows vs 19 here), which moves the last
        // bit of some sums (measured: at most a few ulps). So equal to float64 rounding, not bit for bit.
        let gemmRowBlocking = 1e-14
        for (a, b) in zip(chunked, whole) { XCTAssertEqual(a, b, accuracy: gemmRowBlocking * max(1, abs(b))) }
    }
}

/// Layer stacks shared by the tests.
enum ModelSpecs {
    static let seedCNN: [LayerSpec] = [
        .conv2D(
            filters: 32, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu, useBias: true
        ),
        .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid),
        .conv2D(
            filters: 64, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu, useBias: true
        ),
        .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid),
        .flatten(),
        .dense(units: 128, activation: .relu, useBias: true),
        .dense(units: 10, activation: .softmax, useBias: true),
    ]
    static let smallCNN: [LayerSpec] = [
        .conv2D(
            filters: 4, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .same, activation: .relu, useBias: true),
        .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid),
        .flatten(),
        .dense(units: 3, activation: .softmax, useBias: true),
    ]
}
