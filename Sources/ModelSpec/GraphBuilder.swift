/// Builds a `ModelGraph` in Keras' functional style: call layers on symbolic tensors.
///
/// ```swift
/// let builder = GraphBuilder()
/// let x = builder.input("image", shape: [8, 8, 3])
/// let y = LayerSpec.conv2D(filters: 3, kernelHeight: 3, kernelWidth: 3, padding: .same)(x)
/// let sum = LayerSpec.merge(.add)(x, y)            // a residual connection
/// let out = LayerSpec.dense(units: 10)(LayerSpec.flatten()(sum))
/// let graph = try builder.graph(outputs: [out])
/// ```
/// A layer made with `builder.layer(_:name:)` can be called several times and shares its weights across calls.
/// Shapes are checked when `graph(outputs:)` builds the graph (`ModelSpecError`).
public final class GraphBuilder {
    private var inputs: [ModelGraph.Input] = []
    private var layers: [ModelGraph.Layer] = []
    private var nodes: [ModelGraph.Node] = []
    private var nameCounts: [String: Int] = [:]

    public init() {}

    /// A new model input named `name` whose examples have `shape` (without the batch axis).
    public func input(_ name: String, shape: [Int]) -> SymbolicTensor {
        inputs.append(ModelGraph.Input(name: name, shape: shape))
        return SymbolicTensor(builder: self, ref: .input(inputs.count - 1))
    }

    /// A layer that can be called on tensors, once or several times (sharing its weights). Unnamed layers get
    /// the case name and a counter (`dense`, `dense_1`, ...).
    public func layer(_ spec: LayerSpec, name: String? = nil) -> SymbolicLayer {
        let stem = name ?? String(String(describing: spec).prefix { $0.isLetter || $0.isNumber }).lowercased()
        let n = nameCounts[stem, default: 0]
        nameCounts[stem] = n + 1
        layers.append(ModelGraph.Layer(name: name ?? (n == 0 ? stem : "\(stem)_\(n)"), spec: spec))
        return SymbolicLayer(builder: self, index: layers.count - 1)
    }

    fileprivate func call(_ layer: Int, _ arguments: [SymbolicTensor]) -> SymbolicTensor {
        precondition(arguments.allSatisfy { $0.builder === self }, "a tensor of another GraphBuilder")
        nodes.append(ModelGraph.Node(layer: layer, inputs: arguments.map(\.ref)))
        return SymbolicTensor(builder: self, ref: .node(nodes.count - 1))
    }

    /// The graph from the inputs to `outputs`; throws `ModelSpecError` when a layer cannot take its inputs.
    public func graph(outputs: [SymbolicTensor]) throws -> ModelGraph {
        try ModelGraph(inputs: inputs, layers: layers, nodes: nodes, outputs: outputs.map(\.ref))
    }
}

/// A tensor of a graph being built: a model input or the output of a layer call.
public struct SymbolicTensor {
    fileprivate let builder: GraphBuilder
    /// Where the tensor comes from in the graph.
    public let ref: ModelGraph.TensorRef
}

/// A layer of a graph being built; calling it on tensors adds a node.
public struct SymbolicLayer {
    fileprivate let builder: GraphBuilder
    /// The layer's index in the graph's `layers`.
    public let index: Int

    /// Calls the layer on `inputs` (one, or several for merges).
    public func callAsFunction(_ inputs: SymbolicTensor...) -> SymbolicTensor { builder.call(index, inputs) }
}

extension LayerSpec {
    /// A new layer of this kind called once on `inputs`, in their builder's graph.
    public func callAsFunction(_ inputs: SymbolicTensor..., name: String? = nil) -> SymbolicTensor {
        precondition(!inputs.isEmpty, "a layer called on no tensors")
        let builder = inputs[0].builder
        return builder.call(builder.layer(self, name: name).index, inputs)
    }
}
