import NeuralNet
import TestSupport
import XCTest

/// The backward passes of the depthwise, separable, dilated/grouped and transposed convolutions, Conv1D (causal,
/// strided, grouped), 1-D pooling, upsampling (nearest and bilinear) and 1-D padding/cropping, against central
/// finite differences of the loss in float64.
final class ConvolutionLayerGradientTests: XCTestCase {
    /// Images through every 2-D layer of this group, ending in a softmax over 3 classes.
    private func imageGraph() throws -> ModelGraph {
        let builder = GraphBuilder()
        let x = builder.input("pixels", shape: [7, 8, 2])
        var y = LayerSpec.depthwiseConv2D(
            kernelHeight: 3, kernelWidth: 2, depthMultiplier: 2, strideHeight: 2, strideWidth: 2, padding: .same, activation: .tanh)(x)
        y = LayerSpec.conv2D(
            filters: 4, kernelHeight: 3, kernelWidth: 3, padding: .same, activation: .tanh, dilationHeight: 2, dilationWidth: 1, groups: 2)(
                y)
        y = LayerSpec.separableConv2D(filters: 3, kernelHeight: 2, kernelWidth: 2, depthMultiplier: 2, activation: .tanh)(y)
        let wide = LayerSpec.upSampling2D(sizeHeight: 2, sizeWidth: 3, interpolation: .bilinear)(y)
        let tall = LayerSpec.upSampling2D(sizeHeight: 2, sizeWidth: 1)(y)
        let up = LayerSpec.conv2DTranspose(
            filters: 2, kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 3, padding: .same, outputPaddingHeight: 1,
            outputPaddingWidth: 0, activation: .tanh)(wide)
        let pooled = LayerSpec.concatenate()(LayerSpec.globalAveragePool2D()(up), LayerSpec.globalMaxPool2D(keepDims: false)(tall))
        return try builder.graph(outputs: [LayerSpec.dense(units: 3, activation: .softmax)(pooled)])
    }

    /// Sequences through every 1-D layer of this group, ending in a softmax over 3 classes.
    private func sequenceGraph() throws -> ModelGraph {
        let builder = GraphBuilder()
        let x = builder.input("steps", shape: [12, 3])
        var y = LayerSpec.conv1D(filters: 4, kernelSize: 3, dilation: 2, padding: .causal, activation: .tanh)(x)
        y = LayerSpec.maxPool1D(poolSize: 2, stride: 2, padding: .same)(y)
        y = LayerSpec.upSampling1D(size: 2)(y)
        y = LayerSpec.zeroPadding1D(left: 1, right: 2)(y)
        y = LayerSpec.cropping1D(left: 2, right: 1)(y)
        y = LayerSpec.conv1D(filters: 4, kernelSize: 2, stride: 2, padding: .same, groups: 2, activation: .tanh)(y)
        y = LayerSpec.averagePool1D(poolSize: 2, stride: 1)(y)
        let pooled = LayerSpec.concatenate()(LayerSpec.globalMaxPool1D()(y), LayerSpec.globalAveragePool1D()(y))
        return try builder.graph(outputs: [LayerSpec.dense(units: 3, activation: .softmax)(pooled)])
    }

    /// Compares every fifth-or-so weight's analytic gradient with central differences of the loss.
    private func checkGradients(_ graph: ModelGraph, inputShape: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        let model = Model<Double>(graph: graph)
        var generator = SeededGenerator(seed: 7)
        func uniform() -> Double { Double(generator.next() % 2001) / 1000 - 1 }
        // Random weights everywhere (initialize would leave biases and a separable layer's pointwise kernel zero).
        for layer in model.graph.layers.indices {
            let weights = model.weights(layer: layer).map { Tensor(shape: $0.shape, scalars: (0..<$0.count).map { _ in uniform() * 0.7 }) }
            try model.setWeights(layer: layer, weights)
        }
        let count = 4
        let x = Tensor(shape: [count] + inputShape, scalars: (0..<(count * inputShape.reduce(1, *))).map { _ in uniform() })
        let labels = [0, 1, 2, 1]
        var dropout = SeededGenerator(seed: 1)
        let analytic = model.gradients(x: x, labels: labels, generator: &dropout)
        var checked = 0
        var nonzero = Set<Int>()
        for layer in model.graph.layers.indices {
            let weights = model.weights(layer: layer)
            for (w, tensor) in weights.enumerated() {
                for index in stride(from: 0, to: tensor.count, by: max(1, tensor.count / 6)) {
                    func loss(_ delta: Double) throws -> Double {
                        var changed = weights
                        changed[w].scalars[index] += delta
                        try model.setWeights(layer: layer, changed)
                        defer { XCTAssertNoThrow(try model.setWeights(layer: layer, weights)) }
                        return model.evaluate(x: x, labels: labels).loss
                    }
                    let numeric = try FiniteDifference.assertDerivative(
                        analytic.weights[layer][w].scalars[index], of: loss,
                        "layer \(model.graph.layers[layer].name) weight \(w)[\(index)]", file: file, line: line)
                    checked += 1
                    if abs(numeric) > 1e-6 { nonzero.insert(layer) }
                }
            }
        }
        XCTAssertGreaterThan(checked, 20, file: file, line: line)
        // Every weighted layer's loss must really move with its weights, or agreeing zeros would prove nothing.
        let weighted = Set(model.graph.layers.indices.filter { !model.weights(layer: $0).isEmpty })
        XCTAssertEqual(nonzero, weighted, "layers whose sampled gradients were all zero", file: file, line: line)
    }

    func testImageLayerGradientsMatchFiniteDifferences() throws {
        try checkGradients(imageGraph(), inputShape: [7, 8, 2])
    }

    func testSequenceLayerGradientsMatchFiniteDifferences() throws {
        try checkGradients(sequenceGraph(), inputShape: [12, 3])
    }

    /// Conv2DTranspose, depthwise, separable and 1-D layers all have backward passes, so `fit` accepts their models.
    func testModelsOfTheseLayersAreTrainable() throws {
        for graph in [try imageGraph(), try sequenceGraph()] {
            XCTAssertTrue(graph.layers.allSatisfy { $0.spec.supportsTraining })
        }
    }
}
