import NeuralNet
import TestSupport
import XCTest

/// Outputs compared with real Keras 3 (JAX backend) outputs from Fixtures/generate/nn_fixtures.py.
final class KerasInferenceParityTests: XCTestCase {
    private func check(
        _ name: String, inputShape: [Int], layers: [LayerSpec], tolerance: Float = Float(Tolerance.float32KerasParity),
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let model = try Sequential<Float>(inputShape: inputShape, layers: layers)
        try KerasFixtures.loadWeights(into: model, case: name)
        let x: Tensor<Float> = try KerasFixtures.tensor("\(name).x")
        let expected: Tensor<Float> = try KerasFixtures.tensor("\(name).y")
        let y = model.predict(x)
        XCTAssertEqual(y.shape, expected.shape, name, file: file, line: line)
        assertClose(y.scalars, expected.scalars, tolerance: tolerance, name, file: file, line: line)
    }

    func testConvValidReluMatchesKeras() throws {
        try check(
            "conv_valid_relu", inputShape: [5, 6, 2],
            layers: [
                .conv2D(
                    filters: 3, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .valid, activation: .relu,
                    useBias: true)
            ])
    }

    func testConvSameStride2TanhMatchesKeras() throws {
        try check(
            "conv_same_stride2_tanh", inputShape: [7, 8, 3],
            layers: [
                .conv2D(
                    filters: 4, kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padding: .same, activation: .tanh,
                    useBias: true)
            ])
    }

    func testConvValidUnequalStridesWithoutBiasMatchesKeras() throws {
        try check(
            "conv_valid_stride23_sigmoid_nobias", inputShape: [9, 7, 2],
            layers: [
                .conv2D(
                    filters: 2, kernelHeight: 2, kernelWidth: 3, strideHeight: 2, strideWidth: 3, padding: .valid, activation: .sigmoid,
                    useBias: false)
            ])
    }

    func testConvSameEvenKernelAsymmetricPaddingMatchesKeras() throws {
        try check(
            "conv_same_even_kernel", inputShape: [6, 5, 1],
            layers: [
                .conv2D(
                    filters: 2, kernelHeight: 4, kernelWidth: 4, strideHeight: 1, strideWidth: 1, padding: .same, activation: .linear,
                    useBias: true)
            ])
    }

    func testMaxPoolSameOddSizesMatchesKeras() throws {
        try check(
            "pool_same_odd", inputShape: [7, 5, 3],
            layers: [.maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .same)])
    }

    func testMaxPoolValid3Stride2MatchesKeras() throws {
        try check(
            "pool_valid_3s2", inputShape: [7, 9, 2],
            layers: [.maxPool2D(poolHeight: 3, poolWidth: 3, strideHeight: 2, strideWidth: 2, padding: .valid)])
    }

    func testMaxPoolSameOverlappingWindowsMatchesKeras() throws {
        try check(
            "pool_same_3x2_s12", inputShape: [5, 7, 2],
            layers: [.maxPool2D(poolHeight: 3, poolWidth: 2, strideHeight: 1, strideWidth: 2, padding: .same)])
    }

    func testDenseWithEveryActivationMatchesKeras() throws {
        // The activations with Keras fixtures in nn_fixtures.py (elu, selu, ... are covered by the corpus tests).
        for activation in [Activation.relu, .sigmoid, .tanh, .softmax, .linear] {
            try check("dense_\(activation.rawValue)", inputShape: [10], layers: [.dense(units: 7, activation: activation, useBias: true)])
        }
        try check("dense_nobias", inputShape: [10], layers: [.dense(units: 3, activation: .linear, useBias: false)])
    }

    func testDropoutIsIdentityAndActivationLayerMatchesKeras() throws {
        try check(
            "dense_dropout_softmax_layer", inputShape: [6],
            layers: [.dense(units: 5, activation: .linear, useBias: true), .dropout(rate: 0.5), .activation(.softmax)])
    }

    func testSeedCNNArchitectureMatchesKeras() throws {
        let model = try Sequential<Float>(inputShape: [28, 28, 1], layers: ModelSpecs.seedCNN)
        // The fixture script's formula weights (see nn_fixtures.py), rebuilt exactly.
        try FormulaWeights.apply(to: model)
        let x: Tensor<Float> = try KerasFixtures.tensor("seed_cnn.x")
        let expected: Tensor<Float> = try KerasFixtures.tensor("seed_cnn.y")
        let y = model.predict(x)
        XCTAssertEqual(y.shape, [8, 10])
        assertClose(y.scalars, expected.scalars, tolerance: Float(Tolerance.float32KerasParity), "seed_cnn")
    }

    func testFloat64MLPMatchesKerasFloat64() throws {
        let model = try Sequential<Double>(
            inputShape: [12],
            layers: [
                .dense(units: 16, activation: .relu, useBias: true), .dense(units: 10, activation: .softmax, useBias: true),
            ])
        try KerasFixtures.loadWeights(into: model, case: "mlp_float64")
        let x: Tensor<Double> = try KerasFixtures.tensor("mlp_float64.x")
        let expected: Tensor<Double> = try KerasFixtures.tensor("mlp_float64.y")
        assertClose(model.predict(x).scalars, expected.scalars, tolerance: Tolerance.float64ShallowSummationOrder, "mlp_float64")
    }
}
