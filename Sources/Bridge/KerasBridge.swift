import Foundation
import KerasFormat
import NeuralNet

/// Maps Keras model configurations and weight layouts onto Swift `Sequential` models, and back.
///
/// Keras 2+ and NeuralNet share layouts (NHWC activations, Dense kernels `(in, out)`, Conv2D kernels HWIO), so
/// most weights move without transposition. Channels-first models, Keras 1 `th` kernels and Theano-trained
/// kernels are mapped as `KerasLayerPlan` and `importModel` describe.
public enum KerasBridge {
    /// Builds the Swift model a Keras file describes and loads its weights (Float32, as Keras runs).
    ///
    /// Weights are matched to layers by weight group (the layer's name, or the enclosing model's for nested
    /// models) and, within a group, by the order of its `weight_names`, never by parsing names. Keras 1 `th`
    /// kernels `(out, in, h, w)` are transposed to HWIO. When the weights were trained under Theano (the file's
    /// `backend` attribute, else `backend`), convolution kernels are flipped spatially, as Keras 2's legacy loader
    /// did (`convert_kernel`); a model with convolutions whose backend is unknown is refused. The input shape is the
    /// configuration's, else `inputShape`, else the first Dense kernel's input size when only weightless layers
    /// come before it. Throws `BridgeError` for unsupported layers, missing or extra weights, or shapes that
    /// disagree with the architecture (naming the layer, the weight and both shapes).
    public static func importModel(
        _ file: KerasModelFile, config: KerasModelConfig, source: URL, backend: String? = nil, inputShape: [Int]? = nil
    ) throws -> ImportedModel {
        let description = try prepare(file, config: config, source: source, backend: backend, inputShape: inputShape)
        let model = Model<Float>(graph: description.graph)
        let flip = description.kernelsFlipped
        func load(_ index: Int, _ stored: [KerasWeight]) throws {
            var arrays = stored
            if case .conv2D = config.layers[index].spec {
                if config.layers[index].kernelLayout == .oihw { arrays[0] = transposedOIHW(arrays[0]) }
                if flip { arrays[0] = flippedSpatially(arrays[0]) }
            }
            try model.setWeights(layer: index, arrays.map { Tensor(shape: $0.shape, scalars: $0.values) })
        }
        try matchWeights(file, config: config, source: source, expected: { model.weights(layer: $0).map(\.shape) }, use: load)
        return ImportedModel(
            model: .float32(model), layerNames: description.layerNames, source: source, origin: description.origin,
            layerClassNames: description.layerClassNames, notes: description.notes)
    }

    /// What `importModel` would build, described without any weight's values: the same checks (backend, input
    /// shape, every stored array matched to its layer by weight group and order, counts and shapes against the
    /// architecture, nothing left unused) with the same errors, and the graph, names and notes, but no model and no
    /// weights in memory. `file`'s weights may be listed with empty values (a `KerasWeightStream` listing), so
    /// `inspect` describes a model of any size in the memory of its configuration.
    public static func describeModel(
        _ file: KerasModelFile, config: KerasModelConfig, source: URL, backend: String? = nil, inputShape: [Int]? = nil
    ) throws -> ModelDescription {
        let description = try prepare(file, config: config, source: source, backend: backend, inputShape: inputShape)
        let shapes = description.graph.weightShapes
        try matchWeights(file, config: config, source: source, expected: { shapes[$0] }, use: { _, _ in })
        return description
    }

    /// The checks and the graph, before weights: the backend (convolutions need one; Theano flips kernels), the
    /// input shapes, the architecture's shape rules.
    private static func prepare(_ file: KerasModelFile, config: KerasModelConfig, source: URL, backend: String?, inputShape: [Int]?)
        throws -> ModelDescription
    {
        let path = source.path
        let effectiveBackend = file.backend ?? backend
        let hasConvolutions = config.layers.contains { if case .conv2D = $0.spec { return true } else { return false } }
        if hasConvolutions && effectiveBackend == nil { throw BridgeError.unknownBackend(file: path) }
        let flip = hasConvolutions && effectiveBackend == "theano"
        var shapes: [[Int]] = []
        for (index, input) in config.inputs.enumerated() {
            guard let shape = input.shape ?? (index == 0 ? inputShape ?? inferredInputShape(file, config: config) : nil) else {
                throw BridgeError.unknownInputShape(file: path)
            }
            shapes.append(shape)
        }
        let graph = try config.graph(source: path, inputShapes: shapes)
        var notes: [String] = []
        if flip {
            notes.append(
                "convolution kernels flipped spatially: the weights were trained under Theano"
                    + (file.backend == nil ? " (Theano given as the backend)" : " (the file's backend attribute)"))
        }
        if config.layers.contains(where: { $0.spec.dataFormat == .channelsFirst }) {
            notes.append("channels-first layers: tensors stay NCHW as in Keras, transposed to NHWC around each such layer")
        }
        return ModelDescription(
            graph: graph, layerNames: config.layers.map(\.name), layerClassNames: config.layers.map(\.className),
            origin: .keras(version: file.kerasVersion, backend: effectiveBackend), notes: notes, kernelsFlipped: flip)
    }

    /// Matches the stored arrays of `file` to the layers of `config` (by weight group and, within a group, by
    /// `weight_names` order), checks each layer's count and shapes against `expected(layer)` (a Keras 1 `th` kernel
    /// as the HWIO it becomes), hands each layer's arrays as stored to `use`, and refuses arrays left unused.
    private static func matchWeights(
        _ file: KerasModelFile, config: KerasModelConfig, source: URL, expected expectedShapes: (Int) -> [[Int]],
        use: (Int, [KerasWeight]) throws -> Void
    ) throws {
        let path = source.path
        let stored = Dictionary(file.layerWeights.map { ($0.layerName, $0.weights) }, uniquingKeysWith: { first, _ in first })
        // Keras lists a weight group's arrays trainable first (all its layers), then non-trainable.
        let positions = config.weightPositions()
        var consumed: [String: Int] = [:]
        for (index, layer) in config.layers.enumerated() {
            let expected = expectedShapes(index)
            guard !expected.isEmpty else { continue }
            let available = stored[layer.weightGroup] ?? []
            let slots = positions[index]
            guard slots.count == expected.count, slots.allSatisfy({ $0 < available.count }) else {
                let found = max(available.count - consumed[layer.weightGroup, default: 0], 0)
                throw BridgeError.weightCountMismatch(file: path, layer: layer.name, expected: expected.count, found: found)
            }
            // Arrays stored again under an enclosing model's group (aliases) are the same arrays, counted as used.
            for group in [layer.weightGroup] + layer.aliasGroups { consumed[group, default: 0] += expected.count }
            let arrays = slots.map { available[$0] }
            for (position, (want, have)) in zip(expected, arrays).enumerated() {
                var found = have.shape
                if case .conv2D = layer.spec, position == 0, layer.kernelLayout == .oihw, found.count == 4 {
                    found = [found[2], found[3], found[1], found[0]]  // as transposedOIHW lays it out
                }
                guard want == found else {
                    throw BridgeError.weightShapeMismatch(file: path, layer: layer.name, weight: have.name, expected: want, found: found)
                }
            }
            try use(index, arrays)
        }
        for layer in file.layerWeights where !layer.weights.isEmpty && consumed[layer.layerName, default: 0] != layer.weights.count {
            throw BridgeError.unusedWeights(
                file: path, group: layer.layerName, used: consumed[layer.layerName, default: 0], found: layer.weights.count)
        }
    }

    /// The input size of the first Dense layer when every layer before it is weightless and, by the shape rules, keeps
    /// a vector of that size as it is (Flatten, Dropout, activations); nil otherwise (a first convolution leaves the
    /// image size unknown).
    static func inferredInputShape(_ file: KerasModelFile, config: KerasModelConfig) -> [Int]? {
        guard let first = config.layers.firstIndex(where: { if case .dense = $0.spec { return true } else { return false } }),
            let kernel = file.weights(forLayer: config.layers[first].weightGroup)?.first, kernel.shape.count == 2
        else { return nil }
        let shape = [kernel.shape[0]]
        let keepShape = config.layers[..<first].allSatisfy { layer in
            !layer.spec.hasWeights && (try? layer.spec.outputShape(for: [shape], layer: layer.name)) == shape
        }
        return keepShape ? shape : nil
    }

    /// A Keras 1 `th` kernel `(out, in, h, w)` as HWIO `(h, w, in, out)`.
    static func transposedOIHW(_ w: KerasWeight) -> KerasWeight {
        guard w.shape.count == 4 else { return w }
        let (o, i, h, k) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        var out = [Float](repeating: 0, count: w.values.count)
        w.values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for a in 0..<o {
                    for b in 0..<i {
                        for y in 0..<h {
                            for x in 0..<k { dst[((y * k + x) * i + b) * o + a] = src[((a * i + b) * h + y) * k + x] }
                        }
                    }
                }
            }
        }
        return KerasWeight(name: w.name, shape: [h, k, i, o], values: out)
    }

    /// An HWIO kernel with both spatial axes reversed (Keras' `convert_kernel`): Theano's true convolution as
    /// TensorFlow's cross-correlation.
    static func flippedSpatially(_ w: KerasWeight) -> KerasWeight {
        guard w.shape.count == 4 else { return w }
        let (h, k) = (w.shape[0], w.shape[1])
        let inner = w.shape[2] * w.shape[3]
        var out = [Float](repeating: 0, count: w.values.count)
        w.values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    for x in 0..<k {
                        let from = src.baseAddress! + (y * k + x) * inner
                        (dst.baseAddress! + ((h - 1 - y) * k + (k - 1 - x)) * inner).update(from: from, count: inner)
                    }
                }
            }
        }
        return KerasWeight(name: w.name, shape: w.shape, values: out)
    }

    /// The Keras configuration and weights of a Swift model, ready for `KerasModelFile.write`.
    ///
    /// Layer names are `layerNames` when given (one per layer), else Keras' defaults (`conv2d`, `conv2d_1`, `dense`,
    /// ...). A chain is written as a Sequential model, any other graph as Functional. Float64 models are written as
    /// float32, the precision Keras runs in.
    public static func exportModel(_ model: LoadedModel, layerNames: [String]? = nil, name: String? = nil) throws -> (
        KerasModelConfig, [KerasLayerWeights]
    ) {
        let graph = model.graph
        let names = layerNames ?? defaultLayerNames(graph.layers.map(\.spec))
        let layers = zip(names, graph.layers).map { KerasLayerConfig(name: $0, spec: $1.spec) }
        var weights: [KerasLayerWeights] = []
        for (index, layer) in layers.enumerated() {
            let tensors: [(shape: [Int], values: [Float])]
            switch model {
            case .float32(let m): tensors = m.weights(layer: index).map { ($0.shape, $0.scalars) }
            case .float64(let m): tensors = m.weights(layer: index).map { ($0.shape, $0.scalars.map { Float($0) }) }
            }
            weights.append(
                KerasLayerWeights(
                    layerName: layer.name,
                    weights: zip(layer.weightNames, tensors).map { KerasWeight(name: $0, shape: $1.shape, values: $1.values) }))
        }
        let isChain = graph.isChain
        let inputs = graph.inputs.enumerated().map { index, input in
            KerasModelConfig.Input(name: graph.inputs.count == 1 ? "input_layer" : input.name, shape: input.shape)
        }
        let config = KerasModelConfig(
            className: isChain ? "Sequential" : "Functional", name: name ?? (isChain ? "sequential" : "functional"), inputs: inputs,
            layers: layers, nodes: graph.nodes, outputs: graph.outputs)
        return (config, weights)
    }

    /// Keras' default layer names: the snake-case class name, then `_1`, `_2` for repeats.
    public static func defaultLayerNames(_ specs: [LayerSpec]) -> [String] {
        var seen: [String: Int] = [:]
        return specs.map { spec in
            let base = KerasLayerConfig.defaultNameStem(spec)
            let n = seen[base, default: 0]
            seen[base] = n + 1
            return n == 0 ? base : "\(base)_\(n)"
        }
    }
}

extension KerasBridge {
    /// Builds the Swift model of a Keras 3 `.keras` archive or `.weights.h5` file: the weights are found the way
    /// Keras 3 finds them, by the saving walk's path of each layer (`KerasLayerConfig.kerasPath`:
    /// `layers/<snake_case class>[_N]/vars/<i>`, nested models recursively), never by layer name. Variables the walk
    /// does not reach (other than optimizer state) are refused as unused, as are missing ones.
    public static func importModel(
        weights tree: KerasWeightTree, config: KerasModelConfig, source: URL, kerasVersion: String?, inputShape: [Int]? = nil
    ) throws -> ImportedModel {
        let (file, config) = try layerWeights(of: tree, config: config, source: source, kerasVersion: kerasVersion)
        // Keras 3 convolves as TensorFlow does on every backend: no Theano kernel flips.
        return try importModel(file, config: config, source: source, backend: "Keras 3", inputShape: inputShape)
    }

    /// What `importModel(weights:...)` would build, described without building it (`describeModel`).
    public static func describeModel(
        weights tree: KerasWeightTree, config: KerasModelConfig, source: URL, kerasVersion: String?, inputShape: [Int]? = nil
    ) throws -> ModelDescription {
        let (file, config) = try layerWeights(of: tree, config: config, source: source, kerasVersion: kerasVersion)
        return try describeModel(file, config: config, source: source, backend: "Keras 3", inputShape: inputShape)
    }

    /// A Keras 3 weights tree as the layer groups of a `KerasModelFile`, each layer's arrays found by its saving-walk
    /// path, and the configuration with every layer's weight group set to its own name; refuses unused variables.
    private static func layerWeights(of tree: KerasWeightTree, config: KerasModelConfig, source: URL, kerasVersion: String?) throws
        -> (KerasModelFile, KerasModelConfig)
    {
        let byPath = Dictionary(tree.entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var used = Set<String>()
        var config = config
        var layerWeights: [KerasLayerWeights] = []
        var seenPaths = Set<String>()
        for index in config.layers.indices {
            let layer = config.layers[index]
            config.layers[index].weightGroup = layer.name
            var arrays: [KerasWeight] = []
            // A layer shared by two nested-model calls appears once; its path is read once.
            if seenPaths.insert(layer.kerasPath).inserted {
                // A recurrent layer keeps its variables in `cell/vars`, a wrapper in its inner layers' groups.
                for group in layer.variableGroups {
                    var index = 0
                    while let entry = byPath["\(group.path)/\(index)"] {
                        arrays.append(KerasWeight(name: entry.path, shape: entry.shape, values: entry.values))
                        used.insert(entry.path)
                        index += 1
                    }
                }
            }
            layerWeights.append(KerasLayerWeights(layerName: layer.name, weights: arrays))
        }
        if let unused = tree.entries.first(where: { !used.contains($0.path) && !$0.path.hasPrefix("optimizer/") }) {
            throw BridgeError.unusedWeights(file: source.path, group: unused.path, used: 0, found: 1)
        }
        let file = KerasModelFile(
            kerasVersion: kerasVersion, backend: nil, modelConfig: config, trainingConfigJSON: nil,
            hasOptimizerWeights: tree.entries.contains { $0.path.hasPrefix("optimizer/") }, layerWeights: layerWeights)
        return (file, config)
    }
}
