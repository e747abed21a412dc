import NeuralNet
import TestSupport
import XCTest

/// Loss, gradients and optimizer steps compared with Keras 3 / JAX float64 references (Fixtures/nn/grad.*).
final class KerasTrainingParityTests: XCTestCase {
    /// The fixture script's tiny CNN: every layer kind with a backward pass, same and valid padding, stride 2.
    static let specs: [LayerSpec] = [
        .conv2D(
            filters: 3, kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1, padding: .same, activation: .relu, useBias: true),
        .maxPool2D(poolHeight: 2, poolWidth: 2, strideHeight: 2, strideWidth: 2, padding: .same),
        .conv2D(
            filters: 4, kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, padding: .valid, activation: .linear,
            useBias: true),
        .flatten(),
        .dense(units: 6, activation: .sigmoid, useBias: true),
        .dense(units: 3, activation: .softmax, useBias: true),
    ]
    static let weightedLayers = [0, 2, 4, 5]

    private func model() throws -> Sequential<Double> {
        let model = try Sequential<Double>(inputShape: [9, 8, 2], layers: Self.specs)
        for (k, layer) in Self.weightedLayers.enumerated() {
            try model.setWeights(
                layer: layer, [try KerasFixtures.tensor("grad.w\(2 * k)"), try KerasFixtures.tensor("grad.w\(2 * k + 1)")])
        }
        return model
    }

    private func labels() throws -> [Int] {
        let t: Tensor<Double> = try KerasFixtures.tensor("grad.labels")
        return t.scalars.map { Int($0) }
    }

    /// |a - b| <= relative * |b| + `Tolerance.float64GradientCancellation` elementwise.
    private func assertRelativelyClose(_ a: Tensor<Double>, _ b: Tensor<Double>, relative: Double, _ name: String, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, name, line: line)
        let floor = Tolerance.float64GradientCancellation
        for i in 0..<min(a.count, b.count) where !(abs(a.scalars[i] - b.scalars[i]) <= relative * abs(b.scalars[i]) + floor) {
            XCTFail("\(name)[\(i)]: \(a.scalars[i]) vs Keras \(b.scalars[i])", line: line)
            return
        }
    }

    func testForwardAndLossMatchKeras() throws {
        let model = try model()
        let x: Tensor<Double> = try KerasFixtures.tensor("grad.x")
        let y = model.predict(x)
        let expected: Tensor<Double> = try KerasFixtures.tensor("grad.y")
        assertClose(y.scalars, expected.scalars, tolerance: Tolerance.float64DeepSummationOrder)
        let loss: Tensor<Double> = try KerasFixtures.tensor("grad.loss")
        XCTAssertEqual(
            CrossEntropy.sparse(probabilities: y, labels: try labels()), loss.scalars[0], accuracy: Tolerance.float64DeepSummationOrder)
        XCTAssertEqual(model.evaluate(x: x, labels: try labels()).loss, loss.scalars[0], accuracy: Tolerance.float64DeepSummationOrder)
        let oneHot: Tensor<Double> = try KerasFixtures.tensor("grad.onehot_loss")
        var targets = Tensor<Double>(zeros: [4, 3])
        for (row, label) in try labels().enumerated() { targets.scalars[row * 3 + label] = 1 }
        XCTAssertEqual(
            CrossEntropy.categorical(probabilities: y, targets: targets), oneHot.scalars[0], accuracy: Tolerance.float64DeepSummationOrder)
    }

    func testEveryWeightGradientAndInputGradientMatchJax() throws {
        let model = try model()
        var generator = SeededGenerator(seed: 1)
        let result = model.gradients(
            x: try KerasFixtures.tensor("grad.x"), labels: try labels(), generator: &generator, includeInputGradient: true)
        let loss: Tensor<Double> = try KerasFixtures.tensor("grad.loss")
        XCTAssertEqual(result.loss, loss.scalars[0], accuracy: Tolerance.float64DeepSummationOrder)
        for (k, layer) in Self.weightedLayers.enumerated() {
            assertRelativelyClose(
                result.weights[layer][0], try KerasFixtures.tensor("grad.g\(2 * k)"), relative: Tolerance.float64GradientRelative,
                "kernel \(layer)")
            assertRelativelyClose(
                result.weights[layer][1], try KerasFixtures.tensor("grad.g\(2 * k + 1)"), relative: Tolerance.float64GradientRelative,
                "bias \(layer)")
        }
        XCTAssertEqual(result.weights[1], [])
        let dx = try XCTUnwrap(result.input)
        assertRelativelyClose(dx, try KerasFixtures.tensor("grad.dx"), relative: Tolerance.float64GradientRelative, "input")
    }

    private func fixtureGradients(scale: Double) throws -> [[Tensor<Double>]] {
        var gradients: [[Tensor<Double>]] = Array(repeating: [], count: Self.specs.count)
        for (k, layer) in Self.weightedLayers.enumerated() {
            gradients[layer] = try [2 * k, 2 * k + 1].map { (index: Int) -> Tensor<Double> in
                var g: Tensor<Double> = try KerasFixtures.tensor("grad.g\(index)")
                g.scalars = g.scalars.map { $0 * scale }
                return g
            }
        }
        return gradients
    }

    private func assertWeights(_ model: Sequential<Double>, match prefix: String, tolerance: Double) throws {
        for (k, layer) in Self.weightedLayers.enumerated() {
            let weights = model.weights(layer: layer)
            assertClose(
                weights[0].scalars, try KerasFixtures.tensor("\(prefix).w\(2 * k)").scalars, tolerance: tolerance,
                "\(prefix) kernel \(layer)")
            assertClose(
                weights[1].scalars, try KerasFixtures.tensor("\(prefix).w\(2 * k + 1)").scalars, tolerance: tolerance,
                "\(prefix) bias \(layer)")
        }
    }

    func testTwoAdamStepsMatchKerasOptimizerApply() throws {
        let model = try model()
        let adam = Adam(learningRate: 0.01)
        model.apply(try fixtureGradients(scale: 1), optimizer: adam)
        try assertWeights(model, match: "adam1", tolerance: Tolerance.float64DeepSummationOrder)
        model.apply(try fixtureGradients(scale: 0.5), optimizer: adam)
        try assertWeights(model, match: "adam2", tolerance: Tolerance.float64DeepSummationOrder)
        XCTAssertEqual(adam.iterations, 2)
    }

    func testSGDStepMatchesKerasOptimizerApply() throws {
        let model = try model()
        model.apply(try fixtureGradients(scale: 1), optimizer: SGD(learningRate: 0.1))
        try assertWeights(model, match: "sgd1", tolerance: Tolerance.float64DeepSummationOrder)
    }

    func testTanhDenseAndSoftmaxLayerGradientsMatchTfKeras() throws {
        let model = try Sequential<Double>(
            inputShape: [5],
            layers: [
                .dense(units: 4, activation: .tanh, useBias: true), .dense(units: 3, activation: .linear, useBias: true),
                .activation(.softmax),
            ])
        try model.setWeights(layer: 0, [try KerasFixtures.tensor("tanh.w0"), try KerasFixtures.tensor("tanh.w1")])
        try model.setWeights(layer: 1, [try KerasFixtures.tensor("tanh.w2"), try KerasFixtures.tensor("tanh.w3")])
        let labelTensor: Tensor<Double> = try KerasFixtures.tensor("tanh.labels")
        var generator = SeededGenerator(seed: 1)
        let result = model.gradients(
            x: try KerasFixtures.tensor("tanh.x"), labels: labelTensor.scalars.map { Int($0) }, generator: &generator)
        let loss: Tensor<Double> = try KerasFixtures.tensor("tanh.loss")
        XCTAssertEqual(result.loss, loss.scalars[0], accuracy: Tolerance.float64DeepSummationOrder)
        for k in 0..<4 {
            assertRelativelyClose(
                result.weights[k / 2][k % 2], try KerasFixtures.tensor("tanh.g\(k)"), relative: Tolerance.float64GradientRelative,
                "tanh weight \(k)")
        }
    }
}
