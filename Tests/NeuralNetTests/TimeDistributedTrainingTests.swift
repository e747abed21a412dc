import NeuralNet
import TestSupport
import XCTest

/// `TimeDistributed` trains through its inner layer: its gradients match central finite differences in Float64.
final class TimeDistributedTrainingTests: XCTestCase {
    func testTimeDistributedDenseGradientsMatchFiniteDifferences() throws {
        let model = try Model<Double>(
            inputShape: [3, 4],
            layers: [.timeDistributed(.dense(units: 3, activation: .tanh)), .flatten(), .dense(units: 3, activation: .softmax)])
        model.initialize(seed: 9)
        var generator = SeededGenerator(seed: 4)
        let x = Tensor<Double>(shape: [5, 3, 4], scalars: (0..<60).map { _ in Double(generator.next() % 2000) / 1000 - 1 })
        let labels = [0, 2, 1, 1, 0]
        try model.setWeights(
            layer: 0,
            [
                Tensor(shape: [4, 3], scalars: (0..<12).map { sin(Double($0)) }), Tensor(shape: [3], scalars: [0.1, -0.2, 0.3]),
            ])
        let analytic = model.gradients(x: x, labels: labels, generator: &generator)
        for layer in [0, 2] {
            let weights = model.weights(layer: layer)
            for (w, tensor) in weights.enumerated() {
                for index in 0..<tensor.count {
                    func loss(_ delta: Double) throws -> Double {
                        var changed = weights
                        changed[w].scalars[index] += delta
                        try model.setWeights(layer: layer, changed)
                        defer { try? model.setWeights(layer: layer, weights) }
                        return model.evaluate(x: x, labels: labels).loss
                    }
                    try FiniteDifference.assertDerivative(
                        analytic.weights[layer][w].scalars[index], of: loss, "layer \(layer) weight \(w)[\(index)]")
                }
            }
        }
    }
}
