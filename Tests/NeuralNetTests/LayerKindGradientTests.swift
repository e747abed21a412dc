import NeuralNet
import TestSupport
import XCTest

/// The backward passes of the normalisation, activation and embedding layer kinds against central finite
/// differences of the loss in Float64, weights and inputs both.
final class LayerKindGradientTests: XCTestCase {
    /// Checks every trainable weight (a sample of each array) and every input of `graph` against finite differences.
    private func checkGradients(_ graph: ModelGraph, x: Tensor<Double>, labels: [Int], file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let model = Model<Double>(graph: graph)
        model.initialize(seed: 5)
        // Non-trivial values for weights Keras initialises to constants (gamma 1, alpha 0, ...).
        var generator = SeededGenerator(seed: 9)
        for layer in model.graph.layers.indices {
            let weights = model.weights(layer: layer).map { tensor in
                Tensor(shape: tensor.shape, scalars: tensor.scalars.map { $0 + generator.nextUnitDouble() - 0.3 })
            }
            try model.setWeights(layer: layer, weights)
        }
        var dropout = SeededGenerator(seed: 1)
        let analytic = model.gradients(x: x, labels: labels, generator: &dropout, includeInputGradient: true)
        var checked = 0
        for layer in model.graph.layers.indices {
            let weights = model.weights(layer: layer)
            // Non-trainable weights (adapted Normalization statistics) are frozen: their gradient is zero by design.
            let trainable = weights.count - model.graph.layers[layer].spec.nonTrainableWeightCount
            for (w, tensor) in weights.enumerated() where w < trainable {
                for index in stride(from: 0, to: tensor.count, by: max(1, tensor.count / 6)) {
                    func loss(_ delta: Double) throws -> Double {
                        var changed = weights
                        changed[w].scalars[index] += delta
                        try model.setWeights(layer: layer, changed)
                        defer { try? model.setWeights(layer: layer, weights) }
                        return model.evaluate(x: x, labels: labels).loss
                    }
                    try FiniteDifference.assertDerivative(
                        analytic.weights[layer][w].scalars[index], of: loss,
                        "layer \(model.graph.layers[layer].name) weight \(w)[\(index)]", file: file, line: line)
                    checked += 1
                }
            }
        }
        let inputGradient = try XCTUnwrap(analytic.input, file: file, line: line)
        for index in stride(from: 0, to: x.count, by: max(1, x.count / 12)) {
            func loss(_ delta: Double) -> Double {
                var changed = x
                changed.scalars[index] += delta
                return model.evaluate(x: changed, labels: labels).loss
            }
            FiniteDifference.assertDerivative(inputGradient.scalars[index], of: loss, "input[\(index)]", file: file, line: line)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 12, file: file, line: line)
    }

    private func input(_ shape: [Int], seed: UInt64) -> Tensor<Double> {
        var generator = SeededGenerator(seed: seed)
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<count).map { _ in generator.nextUnitDouble() * 4 - 2 })
    }

    func testNormalisationAndScalingLayersGradientsMatchFiniteDifferences() throws {
        let builder = GraphBuilder()
        let x = builder.input("x", shape: [4, 3])
        var h = LayerSpec.layerNormalization(axes: [1, 2], epsilon: 1e-3)(x)
        h = LayerSpec.normalization(axes: [1], mean: nil, variance: nil)(h)
        h = LayerSpec.normalization(axes: [-1], mean: [0.1, -0.2, 0.3], variance: [2, 0.5, 1], invert: true)(h)
        h = LayerSpec.rescaling(scale: 1.5, offset: -0.2)(h)
        h = LayerSpec.layerScale(initValues: 1e-6, projectionDim: 3)(h)
        h = LayerSpec.layerNormalization(axes: [-1], center: false)(h)
        let y = LayerSpec.dense(units: 3, activation: .softmax)(LayerSpec.flatten()(h))
        try checkGradients(try builder.graph(outputs: [y]), x: input([5, 4, 3], seed: 2), labels: [0, 1, 2, 1, 0])
    }

    func testActivationLayersGradientsMatchFiniteDifferences() throws {
        let builder = GraphBuilder()
        let x = builder.input("x", shape: [4, 3])
        var h = LayerSpec.prelu(sharedAxes: [1])(x)
        h = LayerSpec.relu(maxValue: 1.2, negativeSlope: 0.1, threshold: 0.05)(h)
        h = LayerSpec.elu(alpha: 0.7)(LayerSpec.dense(units: 3)(h))
        h = LayerSpec.softmax(axes: [1])(h)
        for activation in [Activation.silu, .gelu, .geluApproximate, .hardSilu, .mish, .hardSigmoid, .relu6, .leakyReLU, .logSoftmax] {
            h = LayerSpec.activation(activation)(LayerSpec.dense(units: 3)(h))
        }
        let y = LayerSpec.dense(units: 3, activation: .softmax)(LayerSpec.flatten()(h))
        try checkGradients(try builder.graph(outputs: [y]), x: input([5, 4, 3], seed: 3), labels: [2, 1, 0, 1, 2])
    }

    func testEmbeddingAndRepeatVectorGradientsMatchFiniteDifferences() throws {
        let builder = GraphBuilder()
        let x = builder.input("tokens", shape: [3])
        var h = LayerSpec.embedding(inputDim: 5, outputDim: 2)(x)
        h = LayerSpec.dense(units: 4, activation: .tanh)(LayerSpec.reshape([-1])(h))
        h = LayerSpec.repeatVector(2)(h)
        h = LayerSpec.inferenceIdentity(.gaussianNoise(stddev: 0.1))(h)
        let y = LayerSpec.dense(units: 3, activation: .softmax)(LayerSpec.flatten()(h))
        let model = Model<Double>(graph: try builder.graph(outputs: [y]))
        model.initialize(seed: 1)
        let tokens = Tensor<Double>(shape: [4, 3], scalars: [0, 1, 4, 2, 2, 3, 4, 0, 1, 3, 3, 3])
        // Indices are not differentiable; only the weights are checked (the input gradient is zero).
        var generator = SeededGenerator(seed: 1)
        let analytic = model.gradients(x: tokens, labels: [0, 1, 2, 0], generator: &generator)
        let embeddings = model.weights(layer: 0)
        for index in 0..<embeddings[0].count {
            func loss(_ delta: Double) throws -> Double {
                var changed = embeddings
                changed[0].scalars[index] += delta
                try model.setWeights(layer: 0, changed)
                defer { try? model.setWeights(layer: 0, embeddings) }
                return model.evaluate(x: tokens, labels: [0, 1, 2, 0]).loss
            }
            try FiniteDifference.assertDerivative(analytic.weights[0][0].scalars[index], of: loss, "embedding[\(index)]")
        }
    }

    func testHandWorkedKeras3AndKeras2HardSigmoidDiffer() {
        // Keras 3: clip(x / 6 + 0.5, 0, 1); Keras 2: clip(0.2 x + 0.5, 0, 1). At x = 1.5: 0.75 and 0.8.
        let builder = GraphBuilder()
        let x = builder.input("x", shape: [1])
        let graph = try! builder.graph(outputs: [LayerSpec.activation(.hardSigmoid)(x), LayerSpec.activation(.hardSigmoidKeras2)(x)])
        let outputs = Model<Double>(graph: graph).predict([Tensor(shape: [1, 1], scalars: [1.5])])
        XCTAssertEqual(outputs[0].scalars[0], 0.75, accuracy: Tolerance.float64ClosedForm)
        XCTAssertEqual(outputs[1].scalars[0], 0.8, accuracy: Tolerance.float64ClosedForm)
    }
}
