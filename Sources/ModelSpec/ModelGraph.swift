/// A model as a directed acyclic graph of layer calls: the typed description that file readers produce, the Swift
/// graph API builds, and the runtime runs.
///
/// `layers` holds each layer once (its kind and name; weights belong to a layer). `nodes` are calls of layers on
/// tensors, in topological order: a layer called twice (shared weights) has two nodes. A tensor is a model input
/// or a node's output. A `Sequential` model is the chain graph of `ModelGraph.chain`.
public struct ModelGraph: Sendable, Hashable {
    /// A model input: its name and the shape of one example (without the batch axis).
    public struct Input: Sendable, Hashable {
        public var name: String
        public var shape: [Int]
        public init(name: String, shape: [Int]) {
            self.name = name
            self.shape = shape
        }
    }

    /// A layer: its name (unique in the graph) and what it computes.
    public struct Layer: Sendable, Hashable {
        public var name: String
        public var spec: LayerSpec
        public init(name: String, spec: LayerSpec) {
            self.name = name
            self.spec = spec
        }
    }

    /// A tensor: a model input or the output of a node.
    public enum TensorRef: Sendable, Hashable {
        case input(Int)
        case node(Int)
    }

    /// One call of `layers[layer]` on `inputs`.
    public struct Node: Sendable, Hashable {
        public var layer: Int
        public var inputs: [TensorRef]
        public init(layer: Int, inputs: [TensorRef]) {
            self.layer = layer
            self.inputs = inputs
        }
    }

    public private(set) var inputs: [Input]
    public private(set) var layers: [Layer]
    public private(set) var nodes: [Node]
    public private(set) var outputs: [TensorRef]
    /// The shape of each node's output (without the batch axis), computed by the shape rules.
    public private(set) var nodeShapes: [[Int]]

    /// Checks the graph and computes every shape. Nodes must come in topological order (each input is a model
    /// input or an earlier node); every layer must be called; shapes must fit every layer (`ModelSpecError`).
    public init(inputs: [Input], layers: [Layer], nodes: [Node], outputs: [TensorRef]) throws {
        guard !inputs.isEmpty else { throw ModelSpecError.invalidGraph("has no inputs") }
        guard !outputs.isEmpty else { throw ModelSpecError.invalidGraph("has no outputs") }
        for input in inputs where input.shape.isEmpty || input.shape.contains(where: { $0 <= 0 }) {
            throw ModelSpecError.invalidGraph("input '\(input.name)' has shape \(input.shape); dimensions must be positive")
        }
        self.inputs = inputs
        self.layers = layers
        self.nodes = nodes
        self.outputs = outputs
        var shapes: [[Int]] = []
        shapes.reserveCapacity(nodes.count)
        var firstCall = [Int?](repeating: nil, count: layers.count)
        func shape(_ ref: TensorRef, before node: Int) throws -> [Int] {
            switch ref {
            case .input(let i):
                guard inputs.indices.contains(i) else { throw ModelSpecError.invalidGraph("refers to input \(i) of \(inputs.count)") }
                return inputs[i].shape
            case .node(let j):
                guard j >= 0, j < node else {
                    throw ModelSpecError.invalidGraph("is not in topological order (node \(node) reads node \(j))")
                }
                return shapes[j]
            }
        }
        for (index, node) in nodes.enumerated() {
            guard layers.indices.contains(node.layer) else {
                throw ModelSpecError.invalidGraph("calls layer \(node.layer) of \(layers.count)")
            }
            let layer = layers[node.layer]
            let given = try node.inputs.map { try shape($0, before: index) }
            let out = try layer.spec.outputShape(for: given, layer: layer.name)
            if let first = firstCall[node.layer] {
                let firstInputs = try nodes[first].inputs.map { try shape($0, before: first) }
                guard layer.spec.weightShapes(for: firstInputs) == layer.spec.weightShapes(for: given) else {
                    throw ModelSpecError.impossibleShape(
                        layer: layer.name, inputs: given, reason: "a shared layer called on inputs its weights do not fit")
                }
            }
            if firstCall[node.layer] == nil { firstCall[node.layer] = index }
            shapes.append(out)
        }
        if let unused = firstCall.firstIndex(where: { $0 == nil }) {
            throw ModelSpecError.invalidGraph("never calls layer '\(layers[unused].name)'")
        }
        for output in outputs { _ = try shape(output, before: nodes.count) }
        nodeShapes = shapes
    }

    /// The chain graph of a `Sequential` model: each layer called once on the previous layer's output.
    public static func chain(inputShape: [Int], layers: [Layer], inputName: String = "input") throws -> ModelGraph {
        let nodes = layers.indices.map { Node(layer: $0, inputs: [$0 == 0 ? .input(0) : .node($0 - 1)]) }
        return try ModelGraph(
            inputs: [Input(name: inputName, shape: inputShape)], layers: layers, nodes: nodes,
            outputs: [layers.isEmpty ? .input(0) : .node(layers.count - 1)])
    }

    /// The shape of a tensor (without the batch axis).
    public func shape(of ref: TensorRef) -> [Int] {
        switch ref {
        case .input(let i): return inputs[i].shape
        case .node(let j): return nodeShapes[j]
        }
    }

    /// The input shapes of node `index`.
    public func inputShapes(ofNode index: Int) -> [[Int]] { nodes[index].inputs.map(shape(of:)) }

    /// The weight shapes of each layer, in Keras order (from the layer's first call).
    public var weightShapes: [[[Int]]] {
        var result = [[[Int]]](repeating: [], count: layers.count)
        var seen = [Bool](repeating: false, count: layers.count)
        for (index, node) in nodes.enumerated() where !seen[node.layer] {
            seen[node.layer] = true
            result[node.layer] = layers[node.layer].spec.weightShapes(for: inputShapes(ofNode: index))
        }
        return result
    }

    /// The number of weight values of each layer (BatchNormalization's moving statistics included, as Keras counts).
    public var parameterCounts: [Int] { weightShapes.map { $0.reduce(0) { $0 + $1.reduce(1, *) } } }

    /// Whether every node takes the previous node's output (or the single input, for the first): a Sequential model.
    public var isChain: Bool {
        inputs.count == 1 && outputs == [nodes.isEmpty ? .input(0) : .node(nodes.count - 1)]
            && nodes.enumerated().allSatisfy { $0.element.inputs == [$0.offset == 0 ? .input(0) : .node($0.offset - 1)] }
            && Set(nodes.map(\.layer)).count == nodes.count
    }

    /// For each tensor, the nodes that read it: `consumers(of: .node(j))`. Model outputs are not counted.
    public func consumerCounts() -> (inputs: [Int], nodes: [Int]) {
        var ins = [Int](repeating: 0, count: inputs.count)
        var outs = [Int](repeating: 0, count: nodes.count)
        for node in nodes {
            for ref in node.inputs {
                switch ref {
                case .input(let i): ins[i] += 1
                case .node(let j): outs[j] += 1
                }
            }
        }
        return (ins, outs)
    }
}
