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

    /// Runs a model of any number of inputs and outputs on `count` examples: `inputs[i]` holds `count` examples of
    /// input `i` as Float32 values in C order (converted to the model's precision). Returns each output's values as
    /// Double, `count x product(shape)`, row-major.
    public func predict(float32 inputs: [[Float]], count: Int, batchSize: Int = 256) -> [[Double]] {
        switch self {
        case .float32(let m):
            let tensors = zip(inputs, m.graph.inputs).map { Tensor(shape: [count] + $1.shape, scalars: $0) }
            return m.predict(tensors, batchSize: batchSize).map { $0.scalars.map(Double.init) }
        case .float64(let m):
            let tensors = zip(inputs, m.graph.inputs).map { Tensor(shape: [count] + $1.shape, scalars: $0.map(Double.init)) }
            return m.predict(tensors, batchSize: batchSize).map(\.scalars)
        }
    }
}
