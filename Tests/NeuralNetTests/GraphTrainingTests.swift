import NeuralNet
import TestSupport
import XCTest

/// Training graph models: gradients through merge layers and shared layers against central finite differences of
/// the loss, and a residual CNN that learns.
final class GraphTrainingTests: XCTestCase {
    /// A residual CNN built in the functional style: conv -> conv, added back (a residual), concatenated with a
    /// max-pooled branch, a shared Dense layer, Multiply/Subtract/Maximum merges and a softmax head.
    private func residualGraph() throws -> ModelGraph {
        let builder = GraphBuilder()
        let x = builder.input("pixels", shape: [5, 5, 2])
        let c1 = LayerSpec.conv2D(filters: 2, kernelHeight: 3, kernelWidth: 3, padding: .same, activation: .tanh)(x)
        let c2 = LayerSpec.conv2D(filters: 2, kernelHeight: 3, kernelWidth: 3, padding: .same)(c1)
        let residual = LayerSpec.activation(.tanh)(LayerSpec.merge(.add)(x, c2))
        let pooled = LayerSpec.globalAveragePool2D()(residual)
        let peak = LayerSpec.globalMaxPool2D()(c1)
        let shared = builder.layer(.dense(units: 3, activation: .tanh), name: "shared")
        let a = shared(pooled)
        let b = shared(peak)
        let gated = LayerSpec.merge(.multiply)(a, LayerSpec.merge(.maximum)(a, b))
        let joined = LayerSpec.concatenate()(gated, LayerSpec.merge(.subtract)(a, b), LayerSpec.merge(.average)(a, b))
        let probabilities = LayerSpec.dense(units: 3, activation: .softmax)(joined)
        return try builder.graph(outputs: [probabilities])
    }

    private func data(count: Int, seed: UInt64) -> (Tensor<Double>, [Int]) {
        var generator = SeededGenerator(seed: seed)
        var scalars: [Double] = []
        var labels: [Int] = []
        for _ in 0..<count {
            let label = Int(generator.next() % 3)
            for i in 0..<50 {
                let noise = Double(generator.next() % 1000) / 1000 - 0.5
                scalars.append(noise * 0.5 + (i % 3 == label ? 1 : 0) * (i < 25 ? 1 : -1))
            }
            labels.append(label)
        }
        return (Tensor(shape: [count, 5, 5, 2], scalars: scalars), labels)
    }

    func testGraphGradientsMatchFiniteDifferences() throws {
        let model = Model<Double>(graph: try residualGraph())
        model.initialize(seed: 3)
        let (x, labels) = data(count: 4, seed: 11)
        var generator = SeededGenerator(seed: 1)
        let analytic = model.gradients(x: x, labels: labels, generator: &generator)
        var checked = 0
        for layer in model.graph.layers.indices {
            let weights = model.weights(layer: layer)
            for (w, tensor) in weights.enumerated() {
                for index in stride(from: 0, to: tensor.count, by: max(1, tensor.count / 5)) {
                    func loss(_ delta: Double) throws -> Double {
                        var changed = weights
                        changed[w].scalars[index] += delta
                        try model.setWeights(layer: layer, changed)
                        defer { try? model.setWeights(layer: layer, weights) }
                        return model.evaluate(x: x, labels: labels).loss
                    }
                    try FiniteDifference.assertDerivative(
                        analytic.weights[layer][w].scalars[index], of: loss,
                        "layer \(model.graph.layers[layer].name) weight \(w)[\(index)]")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 30)
    }

    func testResidualGraphLearns() throws {
        let model = Model<Double>(graph: try residualGraph())
        model.initialize(seed: 5)
        let (x, labels) = data(count: 96, seed: 2)
        let before = model.evaluate(x: x, labels: labels)
        let reports = try model.fit(
            x: x, labels: labels, optimizer: Adam(learningRate: 0.02), config: TrainingConfig(epochs: 15, batchSize: 16, seed: 9))
        let after = model.evaluate(x: x, labels: labels)
        XCTAssertEqual(reports.count, 15)
        XCTAssertLessThan(after.loss, before.loss * 0.5, "loss \(before.loss) -> \(after.loss)")
        XCTAssertGreaterThan(after.accuracy, 0.9)
    }

    func testSharedLayerCallsShareOneSetOfWeights() throws {
        let builder = GraphBuilder()
        let a = builder.input("a", shape: [2])
        let b = builder.input("b", shape: [2])
        let shared = builder.layer(.dense(units: 1, useBias: false), name: "shared")
        let model = Model<Double>(graph: try builder.graph(outputs: [shared(a), shared(b)]))
        try model.setWeights(layer: 0, [Tensor(shape: [2, 1], scalars: [2, 3])])
        let outputs = model.predict([Tensor(shape: [1, 2], scalars: [1, 1]), Tensor(shape: [1, 2], scalars: [1, 0])])
        XCTAssertEqual(outputs.map(\.scalars), [[5], [2]])
    }
}
