import Dispatch

/// A model: a `ModelGraph` of layers with weights, run in `Float` or `Double`. `Sequential` is the same type built
/// from a list of layers.
///
/// Layouts are Keras': Dense kernels (in, out), Conv2D kernels HWIO, biases (out); tensors between layers as Keras
/// lays them out (NHWC, or NCHW around channels-first layers). Shapes given and reported exclude the batch axis;
/// `predict` takes and returns tensors with the batch axis first. Each node of the graph has its own runtime
/// layer; the nodes of a layer called several times share its weights.
public final class Model<Scalar: NNScalar> {
    /// The model's layers and how they connect.
    public let graph: ModelGraph
    /// One runtime operation per node.
    let operations: [Operation]
    /// For each layer, the nodes that call it.
    let nodesOfLayer: [[Int]]
    /// Extra copies of the operations for data-parallel training (one per additional worker), built on first use;
    /// they share the weights of `operations` during a step.
    var replicas: [[Operation]] = []

    /// Builds the runtime layers of `graph` (already shape-checked by `ModelGraph`).
    public init(graph: ModelGraph) {
        self.graph = graph
        operations = Model.buildOperations(graph)
        var nodes = [[Int]](repeating: [], count: graph.layers.count)
        for (index, node) in graph.nodes.enumerated() { nodes[node.layer].append(index) }
        nodesOfLayer = nodes
        for users in nodes where users.count > 1 {
            let shared = operations[users[0]].parameters
            for user in users.dropFirst() { operations[user].parameters = shared }
        }
    }

    /// A Sequential model: `layers` in order on examples of `inputShape`, named as `GraphBuilder` names them.
    /// Throws `ModelSpecError` for impossible shapes or parameters.
    public convenience init(inputShape: [Int], layers specs: [LayerSpec]) throws {
        let builder = GraphBuilder()
        var x = builder.input("input", shape: inputShape)
        for spec in specs { x = spec(x) }
        self.init(graph: try builder.graph(outputs: [x]))
    }

    /// The shape of one example of the first input, e.g. [28, 28, 1] or [784].
    public var inputShape: [Int] { graph.inputs[0].shape }
    /// The shape of one example of the first output.
    public var outputShape: [Int] { graph.shape(of: graph.outputs[0]) }
    /// The layer kinds, in layer order.
    public var specs: [LayerSpec] { graph.layers.map(\.spec) }
    /// Output shape of each layer (of its first call), without the batch axis.
    public var outputShapes: [[Int]] { nodesOfLayer.map { graph.nodeShapes[$0[0]] } }
    /// Number of weight values of each layer.
    public var parameterCounts: [Int] { graph.parameterCounts }
    /// Total number of weight values.
    public var parameterCount: Int { parameterCounts.reduce(0, +) }

    /// Layer `index`'s weights in Keras order and shapes ([kernel, bias], ...; [] for weightless layers).
    public func weights(layer index: Int) -> [Tensor<Scalar>] { operations[nodesOfLayer[index][0]].parameters }

    /// Replaces layer `index`'s weights; throws `ModelSpecError.invalidParameter` naming the layer and the expected
    /// and found shapes, leaving the model unchanged.
    public func setWeights(layer index: Int, _ weights: [Tensor<Scalar>]) throws {
        guard graph.layers.indices.contains(index) else {
            throw ModelSpecError.invalidParameter(layer: "#\(index)", reason: "no such layer (the model has \(graph.layers.count))")
        }
        let name = graph.layers[index].name
        let current = self.weights(layer: index)
        guard current.count == weights.count else {
            throw ModelSpecError.invalidParameter(layer: name, reason: "expected \(current.count) weight arrays, found \(weights.count)")
        }
        for (i, (old, new)) in zip(current, weights).enumerated() where old.shape != new.shape {
            throw ModelSpecError.invalidParameter(layer: name, reason: "weight \(i) has shape \(new.shape), expected \(old.shape)")
        }
        for node in nodesOfLayer[index] { operations[node].parameters = weights }
    }

    /// Sets every kernel from `kernel` with a generator seeded by `seed` and every bias to zero; BatchNormalization
    /// to the identity. The same seed gives bit-identical weights; layers are filled in order, each kernel row-major
    /// in its Keras shape.
    public func initialize(seed: UInt64, kernel: Initializer = .glorotUniform) {
        var generator = SeededGenerator(seed: seed)
        for layer in graph.layers.indices {
            let operation = operations[nodesOfLayer[layer][0]]
            guard case .unary(let runtime) = operation, !runtime.parameters.isEmpty else { continue }
            if let constant = runtime as? any KerasInitialisedLayer {
                constant.reset()
            } else {
                var parameters = runtime.parameters
                let shape = parameters[0].shape
                let receptive = shape.dropLast(2).reduce(1, *)
                let (fanIn, fanOut) = (receptive * shape[shape.count - 2], receptive * shape[shape.count - 1])
                parameters[0].scalars = kernel.sample(count: parameters[0].count, fanIn: fanIn, fanOut: fanOut, generator: &generator)
                for i in 1..<parameters.count { parameters[i] = Tensor(zeros: parameters[i].shape) }
                runtime.parameters = parameters
            }
            try! setWeights(layer: layer, runtime.parameters)
        }
    }

    // MARK: Inference

    /// Runs the graph on one batch (each input [N] + its shape) and returns every output ([N] + its shape). Each
    /// intermediate is released as soon as its last consumer has run, so peak memory is the widest cut of the
    /// graph, not the sum of its layers.
    func run(_ inputs: [Tensor<Scalar>], on operations: [Operation]) -> [Tensor<Scalar>] {
        let batch = inputs[0].shape[0]
        var (inputUses, nodeUses) = graph.consumerCounts()
        for case .node(let j) in graph.outputs { nodeUses[j] += 1 }
        var values = [Tensor<Scalar>?](repeating: nil, count: graph.nodes.count)
        func take(_ ref: ModelGraph.TensorRef) -> Tensor<Scalar> {
            switch ref {
            case .input(let i):
                inputUses[i] -= 1
                return inputs[i]
            case .node(let j):
                nodeUses[j] -= 1
                let value = values[j]!
                if nodeUses[j] == 0 { values[j] = nil }
                return value
            }
        }
        for (index, node) in graph.nodes.enumerated() {
            let arguments = node.inputs.map(take)
            let output: Tensor<Scalar>
            switch operations[index] {
            case .unary(let layer): output = layer.infer(arguments[0])
            case .merge(let layer): output = layer.infer(arguments)
            }
            values[index] = output.reshaped([batch] + graph.nodeShapes[index])
        }
        return graph.outputs.map { ref in
            switch ref {
            case .input(let i): return inputs[i]
            case .node(let j): return values[j]!
            }
        }
    }

    /// Runs inference on the model's inputs (each [N] + its shape), `batchSize` examples at a time shared out over
    /// the machine's cores (OpenBLAS held at one thread meanwhile), and returns every output ([N] + its shape).
    /// Dropout is the identity. Traps if an input shape does not match (a programming error).
    public func predict(_ inputs: [Tensor<Scalar>], batchSize: Int = 256) -> [Tensor<Scalar>] {
        precondition(inputs.count == graph.inputs.count, "predict: \(inputs.count) inputs for \(graph.inputs.count)")
        for (input, spec) in zip(inputs, graph.inputs) {
            precondition(
                Array(input.shape.dropFirst()) == spec.shape, "predict: input shape \(input.shape) does not match [N] + \(spec.shape)")
        }
        let n = inputs[0].shape.first ?? 0
        precondition(inputs.allSatisfy { $0.shape.first == n }, "predict: inputs of different example counts")
        return predict(count: n, batchSize: batchSize) { inputs[$0].rows($1) }
    }

    /// `predict` over `count` examples whose inputs are made batch by batch: `rows(i, range)` gives input `i`'s
    /// examples `range`, shaped [range.count] + its shape. For inputs that are not tensors yet (an array file's
    /// bytes): each core converts only the rows of its own batches, so the whole input is never copied at once, and
    /// the copying is shared out too. `rows` is called concurrently. Traps if a tensor `rows` gives has the wrong
    /// shape (a programming error).
    public func predict(count n: Int, batchSize: Int = 256, rows: (Int, Range<Int>) -> Tensor<Scalar>) -> [Tensor<Scalar>] {
        let outputShapes = graph.outputs.map(graph.shape(of:))
        let outputWidths = outputShapes.map { $0.reduce(1, *) }
        if n == 0 { return outputShapes.map { Tensor(shape: [0] + $0, scalars: []) } }
        // Small inputs are still split so that every core gets a share. Results do not depend on the batch size, up
        // to the last bits of OpenBLAS's GEMM (its blocking follows the row count).
        let step = max(1, min(batchSize, (n + BLASThreads.workers - 1) / BLASThreads.workers))
        let chunks = (n + step - 1) / step
        let buffers = outputWidths.map { UnsafeMutableBufferPointer<Scalar>.allocate(capacity: n * $0) }
        defer { for buffer in buffers { buffer.deallocate() } }
        let chain = graph.isChain
        let inputShapes = graph.inputs.map(\.shape)
        BLASThreads.withSingleThreadedProducts {
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = chunk * step
                let end = min(start + step, n)
                let batch = inputShapes.indices.map { i in
                    let x = rows(i, start..<end)
                    precondition(x.shape == [end - start] + inputShapes[i], "predict: rows of shape \(x.shape) for input \(i)")
                    return x
                }
                // `infer` is pure, so the cores share one set of runtime layers.
                let results = chain ? [inferChain(batch[0], on: operations)] : run(batch, on: operations)
                for (k, result) in results.enumerated() {
                    result.scalars.withUnsafeBufferPointer {
                        copy($0.baseAddress!, to: buffers[k].baseAddress! + start * outputWidths[k], count: $0.count)
                    }
                }
            }
        }
        let outputs = buffers.map { Array($0) }
        return zip(outputShapes, outputs).map { Tensor(shape: [n] + $0, scalars: $1) }
    }

    /// `predict` for a model with one input and one output.
    public func predict(_ input: Tensor<Scalar>, batchSize: Int = 256) -> Tensor<Scalar> {
        predict([input], batchSize: batchSize)[0]
    }

    // MARK: Chains

    /// Examples per pass through the image layers of a chain: few enough that a tile's activations and patch
    /// matrices stay in a core's cache.
    static var imageTile: Int { 8 }

    /// The number of leading nodes of a chain that see images (rank-3 inputs or outputs), which `inferChain` runs
    /// tile by tile; the nodes after them (Dense heads) run on the whole batch so that their GEMMs stay large.
    var imageNodeCount: Int {
        var shape = inputShape
        for (index, output) in graph.nodeShapes.enumerated() {
            if shape.count != 3 && output.count != 3 { return index }
            shape = output
        }
        return graph.nodes.count
    }

    /// Inference of a chain on one batch: the image layers tile by tile, then the rest on the whole batch.
    func inferChain(_ batch: Tensor<Scalar>, on operations: [Operation]) -> Tensor<Scalar> {
        let count = batch.shape[0]
        let prefix = imageNodeCount
        var x: Tensor<Scalar>
        if prefix == 0 || count <= Model.imageTile {
            x = inferImageNodes(batch, count: prefix, on: operations)
        } else {
            let featureShape = graph.nodeShapes[prefix - 1]
            let featureWidth = featureShape.reduce(1, *)
            var features: [Scalar] = uninitializedArray(count * featureWidth)
            features.withUnsafeMutableBufferPointer { f in
                for start in stride(from: 0, to: count, by: Model.imageTile) {
                    let rows = min(Model.imageTile, count - start)
                    let tile = inferImageNodes(batch.rows(start..<(start + rows)), count: prefix, on: operations)
                    tile.scalars.withUnsafeBufferPointer {
                        copy($0.baseAddress!, to: f.baseAddress! + start * featureWidth, count: $0.count)
                    }
                }
            }
            x = Tensor(shape: [count] + featureShape, scalars: features)
        }
        for index in prefix..<graph.nodes.count {
            guard case .unary(let layer) = operations[index] else { preconditionFailure("a merge in a chain") }
            x = layer.infer(x).reshaped([count] + graph.nodeShapes[index])
        }
        return x.reshaped([count] + outputShape)
    }

    /// Inference through the first `count` nodes of a chain; a Conv2D followed by a MaxPool2D pools the raw
    /// convolution and then adds the bias and activates, when that gives the same values
    /// (`Conv2D.commutesWithMaxPool`), in one pass where a kernel does both (`Conv2D.inferRawMaxPooled`).
    func inferImageNodes(_ batch: Tensor<Scalar>, count: Int, on operations: [Operation]) -> Tensor<Scalar> {
        var x = batch
        var index = 0
        while index < count {
            guard case .unary(let layer) = operations[index] else { preconditionFailure("a merge in a chain") }
            if index + 1 < count, let conv = layer as? Conv2D<Scalar>, conv.commutesWithMaxPool,
                case .unary(let next) = operations[index + 1], let pool = next as? MaxPool2D<Scalar>
            {
                x = conv.inferRawMaxPooled(x, by: pool.geometry) ?? pool.infer(conv.inferRaw(x))
                conv.addBiasAndActivate(&x)
                index += 2
            } else {
                x = layer.infer(x)
                index += 1
            }
        }
        return x
    }

    /// One inference pass of a single-input, single-output model on a batch.
    func infer(_ batch: Tensor<Scalar>) -> Tensor<Scalar> { run([batch], on: operations)[0] }
}

/// A stack of layers applied in order, like `keras.Sequential`: a `Model` whose graph is a chain.
public typealias Sequential<Scalar: NNScalar> = Model<Scalar>
