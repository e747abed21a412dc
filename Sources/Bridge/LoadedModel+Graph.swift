import NeuralNet

extension LoadedModel {
    /// The shapes of one example of each input, in the model's input order.
    public var inputShapes: [[Int]] { graph.inputs.map(\.shape) }
    /// The shapes of one example of each output, in the model's output order.
    public var modelOutputShapes: [[Int]] { graph.outputs.map(graph.shape(of:)) }
    /// The names of the model's inputs (Keras' InputLayer names).
    public var inputNames: [String] { graph.inputs.map(\.name) }
    /// The names of the layers producing each output (a model input, when an output is one).
    public var outputNames: [String] {
        graph.outputs.map { ref in
            switch ref {
            case .input(let i): return graph.inputs[i].name
            case .node(let j): return graph.layers[graph.nodes[j].layer].name
            }
        }
    }
}
