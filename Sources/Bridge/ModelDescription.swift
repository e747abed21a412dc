import Foundation
import NeuralNet

/// A Keras model as `KerasBridge.importModel` would build it, described without building it or holding any weight
/// (`KerasBridge.describeModel`, `ModelFile.describe`): its graph, names and notes, after the same checks. What
/// `inspect` shows of a model of any size.
public struct ModelDescription {
    /// The layers and how they connect, with every node's shape.
    public var graph: ModelGraph
    /// One name per layer (Keras layer names).
    public var layerNames: [String]
    /// Keras class names per layer (`Dense`, `Conv2D`, ...).
    public var layerClassNames: [String]
    /// Where the model came from.
    public var origin: ImportedModel.Origin
    /// What the import changes to reproduce the saving framework, one sentence each (as `ImportedModel.notes`).
    public var notes: [String]
    /// Whether convolution kernels are flipped on import (weights trained under Theano).
    var kernelsFlipped: Bool

    /// The output shape of each layer (of its first call), without the batch axis.
    public var outputShapes: [[Int]] {
        var first = [Int?](repeating: nil, count: graph.layers.count)
        for (index, node) in graph.nodes.enumerated() where first[node.layer] == nil { first[node.layer] = index }
        return first.map { $0.map { graph.nodeShapes[$0] } ?? [] }
    }

    /// The number of weight values of each layer, as Keras counts them.
    public var parameterCounts: [Int] { graph.parameterCounts }

    /// The shape of one example of the first input.
    public var inputShape: [Int] { graph.inputs[0].shape }
}
