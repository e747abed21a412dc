import Foundation
import ModelSpec
import SafeIO

/// Turns decoded `model_config` JSON into `KerasModelConfig` graphs. Internal: `KerasModelConfig.parse` is the API.
///
/// Every step is linear in the number of layers and calls: layers are found by name through dictionaries, and
/// calls are ordered with Kahn's algorithm, so a config of 10^5 layers parses in a fraction of a second.
struct ConfigParser {
    let source: String
    /// The file's `keras_version` (nil when it records none), which decides what some activation names mean.
    var kerasVersion: String? = nil
    /// How deep models may nest as layers of models.
    static let maxNesting = 8
    var nesting = 0
    /// `ResourceLimits.maxLayers`: most entries in one model's layer list.
    var maxLayers = ResourceLimits.default.maxLayers

    /// Refuses a layer list longer than `maxLayers` before any work proportional to it.
    private func checkLayerCount(_ count: Int) throws {
        guard count <= maxLayers else {
            throw invalid("has " + ResourceLimits.overLimit(count, limit: maxLayers, unit: "layers"))
        }
    }

    private func invalid(_ reason: String) -> KerasFormatError { .invalidConfig(file: source, reason: reason) }

    // MARK: Models

    mutating func sequential(_ config: Any?) throws -> KerasModelConfig {
        let name: String
        let layerList: [Any]
        if let dict = config as? [String: Any] {
            guard let list = dict["layers"] as? [Any] else { throw invalid("Sequential config has no layers list") }
            name = dict["name"] as? String ?? "sequential"
            layerList = list
        } else if let list = config as? [Any] {
            name = "sequential"
            layerList = list
        } else {
            throw invalid("Sequential config is a JSON \(jsonKind(config)), expected an object with layers")
        }
        try checkLayerCount(layerList.count)
        try refuseUnsupported(try layerList.map(layerHeader))
        var model = KerasModelConfig(sequential: name, inputShape: nil, layers: [])
        var builder = GraphAssembly(source: source)
        var paths = SavingPaths()
        var current: ModelGraph.TensorRef = .input(0)
        for (position, entry) in layerList.enumerated() {
            let header = try layerHeader(entry)
            if header.className == "InputLayer" {
                guard position == 0 else { throw invalid("layer '\(header.name)': an InputLayer that is not first in a Sequential model") }
                model.inputs[0] = .init(name: header.name, shape: try batchShape(header.config, layer: header.name))
                continue
            }
            if builder.layers.isEmpty, model.inputs[0].shape == nil {
                model.inputs[0].shape = try batchShape(header.config, layer: header.name)
            }
            let path = paths.next(header.className)
            if let nested = try nestedModel(header) {
                if builder.layers.isEmpty, model.inputs[0].shape == nil { model.inputs[0].shape = nested.inputs.first?.shape }
                let outputs = try builder.inline(nested, arguments: [current], group: header.name, path: path)
                guard outputs.count == 1 else {
                    throw invalid("layer '\(header.name)': a nested model with \(outputs.count) outputs in a Sequential model")
                }
                current = outputs[0]
            } else {
                var layer = try KerasLayerMapping.layer(header, source: source, kerasVersion: kerasVersion)
                layer.kerasPath = path
                current = builder.call(try builder.addLayer(layer), [current])
            }
        }
        model.layers = builder.layers
        model.nodes = builder.nodes
        model.outputs = [current]
        return model
    }

    mutating func functional(_ config: Any?, className: String) throws -> KerasModelConfig {
        guard let dict = config as? [String: Any], let layerList = dict["layers"] as? [Any] else {
            throw invalid("\(className) config has no layers list")
        }
        let inputRefs = try tensorRefs(dict["input_layers"], what: "input_layers")
        let outputRefs = try tensorRefs(dict["output_layers"], what: "output_layers")
        guard !inputRefs.isEmpty, !outputRefs.isEmpty else { throw invalid("\(className) config has no inputs or no outputs") }

        try checkLayerCount(layerList.count)
        // Pass 1: every entry by name, with its calls' arguments.
        var entries: [(header: LayerHeader, calls: [[TensorKey]], path: String, scalars: [ScalarOperand?])] = []
        var entryIndex: [String: Int] = [:]
        var paths = SavingPaths()
        for item in layerList {
            let header = try layerHeader(item)
            guard entryIndex[header.name] == nil else { throw invalid("two layers are named '\(header.name)'") }
            entryIndex[header.name] = entries.count
            let nodes = (item as? [String: Any])?["inbound_nodes"]
            let calls = try inboundCalls(nodes, layer: header.name)
            entries.append((header, calls, paths.next(header.className), scalarOperands(nodes)))
        }
        try refuseUnsupported(entries.map(\.header))
        var model = KerasModelConfig(
            className: className, name: dict["name"] as? String ?? "model", inputs: [], layers: [], nodes: [], outputs: [])
        var inputIndex: [String: Int] = [:]
        for ref in inputRefs {
            guard let e = entryIndex[ref.layer], entries[e].header.className == "InputLayer" else {
                throw invalid("input_layers names '\(ref.layer)', which is not an InputLayer of the model")
            }
            guard inputIndex[ref.layer] == nil else { throw invalid("input_layers names '\(ref.layer)' twice") }
            inputIndex[ref.layer] = model.inputs.count
            model.inputs.append(.init(name: ref.layer, shape: try batchShape(entries[e].header.config, layer: ref.layer)))
        }

        // Pass 2: calls in dependency order (Kahn's algorithm over (layer, call) pairs).
        var callIDs: [TensorKey: Int] = [:]  // (layer, call index, 0) -> call id
        var calls: [(entry: Int, call: Int)] = []
        for (e, entry) in entries.enumerated() where entry.header.className != "InputLayer" {
            for c in entry.calls.indices {
                callIDs[TensorKey(layer: entry.header.name, node: c, tensor: 0)] = calls.count
                calls.append((e, c))
            }
        }
        var waiting = [Int](repeating: 0, count: calls.count)
        var dependents = [[Int]](repeating: [], count: calls.count)
        for (id, call) in calls.enumerated() {
            for argument in entries[call.entry].calls[call.call] {
                if inputIndex[argument.layer] != nil { continue }
                guard let producer = callIDs[TensorKey(layer: argument.layer, node: argument.node, tensor: 0)] else {
                    throw invalid(
                        "layer '\(entries[call.entry].header.name)' takes the output of '\(argument.layer)' call \(argument.node), which the model does not have"
                    )
                }
                waiting[id] += 1
                dependents[producer].append(id)
            }
        }
        // A first-in first-out queue keeps the file's order wherever the dependencies allow.
        var order = (0..<calls.count).filter { waiting[$0] == 0 }
        order.reserveCapacity(calls.count)
        var head = 0
        while head < order.count {
            let id = order[head]
            head += 1
            for next in dependents[id] {
                waiting[next] -= 1
                if waiting[next] == 0 { order.append(next) }
            }
        }
        guard order.count == calls.count else { throw invalid("the layer graph has a cycle") }

        // Pass 3: build, resolving each argument to a tensor of the graph.
        var builder = GraphAssembly(source: source)
        var produced: [TensorKey: ModelGraph.TensorRef] = [:]
        var layerOfEntry: [Int: Int] = [:]
        var nestedOfEntry: [Int: KerasModelConfig] = [:]
        func resolve(_ key: TensorKey) throws -> ModelGraph.TensorRef {
            if let i = inputIndex[key.layer] { return .input(i) }
            guard let ref = produced[key] else {
                throw invalid("'\(key.layer)' has no output tensor \(key.tensor) of call \(key.node)")
            }
            return ref
        }
        for id in order {
            let (e, c) = calls[id]
            let header = entries[e].header
            let arguments = try entries[e].calls[c].map(resolve)
            if let nested = try nestedOfEntry[e] ?? nestedModel(header) {
                nestedOfEntry[e] = nested
                let outputs = try builder.inline(nested, arguments: arguments, group: header.name, path: entries[e].path)
                for (t, ref) in outputs.enumerated() { produced[TensorKey(layer: header.name, node: c, tensor: t)] = ref }
            } else {
                let layer: Int
                if let existing = layerOfEntry[e] {
                    layer = existing
                } else {
                    var config = try KerasLayerMapping.layer(header, source: source, kerasVersion: kerasVersion)
                    if c < entries[e].scalars.count, let scalar = entries[e].scalars[c],
                        let spec = KerasLayerMapping.scalarOperation(header.className, constant: scalar.value, constantFirst: scalar.first)
                    {
                        // A Keras 3 operation on a tensor and a number (`x + 3.0` in MobileNetV3's hard_sigmoid).
                        config.spec = spec
                    }
                    config.kerasPath = entries[e].path
                    layer = try builder.addLayer(config)
                    layerOfEntry[e] = layer
                }
                produced[TensorKey(layer: header.name, node: c, tensor: 0)] = builder.call(layer, arguments)
            }
        }
        model.layers = builder.layers
        model.nodes = builder.nodes
        model.outputs = try outputRefs.map(resolve)
        return model
    }

    /// Refuses every layer of `headers` WeightBridge cannot run at once, by name and class, before any other check
    /// can stop at the first; one such layer keeps its own message.
    private func refuseUnsupported(_ headers: [LayerHeader]) throws {
        var refused: [(error: KerasFormatError, name: String, className: String)] = []
        for header in headers where header.className != "InputLayer" && !["Sequential", "Model", "Functional"].contains(header.className) {
            do {
                _ = try KerasLayerMapping.layer(header, source: source)
            } catch let error as KerasFormatError {
                switch error {
                case .unsupportedLayer, .lambdaLayer: refused.append((error, header.name, header.className))
                default: break
                }
            }
        }
        if refused.count == 1 { throw refused[0].error }
        if refused.count > 1 {
            throw KerasFormatError.unsupportedLayers(
                file: source, layers: refused.map { KerasLayerName(name: $0.name, className: $0.className) })
        }
    }

    /// The model a `Sequential`/`Functional`/`Model` layer entry holds, parsed; nil for other layers.
    private mutating func nestedModel(_ header: LayerHeader) throws -> KerasModelConfig? {
        guard ["Sequential", "Model", "Functional"].contains(header.className) else { return nil }
        guard nesting < Self.maxNesting else { throw invalid("models nest deeper than \(Self.maxNesting) levels") }
        var inner = ConfigParser(source: source, kerasVersion: kerasVersion, nesting: nesting + 1, maxLayers: maxLayers)
        return header.className == "Sequential"
            ? try inner.sequential(header.config) : try inner.functional(header.config, className: header.className)
    }

    // MARK: Tensor references

    /// A tensor named in a config: output `tensor` of call `node` of layer `layer`.
    struct TensorKey: Hashable {
        var layer: String
        var node: Int
        var tensor: Int
    }

    /// `input_layers`/`output_layers`: `["x", 0, 0]` (Keras 3, one tensor) or `[["x", 0, 0], ...]`.
    private func tensorRefs(_ value: Any?, what: String) throws -> [TensorKey] {
        guard let list = value as? [Any] else { throw invalid("Functional config has no \(what)") }
        if let key = tensorKey(list) { return [key] }
        return try list.map { item in
            guard let entry = item as? [Any], let key = tensorKey(entry) else { throw invalid("malformed \(what) entry") }
            return key
        }
    }

    /// The number in a Keras 3 call of an operation on one tensor and one number (`x + 3.0`, `0.5 * x`).
    struct ScalarOperand {
        var value: Double
        /// Whether the number is the first argument (`3.0 - x`).
        var first: Bool
    }

    /// For each call in `inbound_nodes`, its number operand when the call is `op(tensor, number)` or
    /// `op(number, tensor)` (Keras 3 form); nil otherwise.
    private func scalarOperands(_ value: Any?) -> [ScalarOperand?] {
        guard let nodes = value as? [Any] else { return [] }
        return nodes.map { node in
            guard let args = (node as? [String: Any])?["args"] as? [Any], args.count == 2 else { return nil }
            func number(_ item: Any) -> Double? {
                guard let n = item as? NSNumber else { return nil }
                return n.doubleValue.isFinite ? n.doubleValue : nil
            }
            if let v = number(args[1]), args[0] is [String: Any] { return ScalarOperand(value: v, first: false) }
            if let v = number(args[0]), args[1] is [String: Any] { return ScalarOperand(value: v, first: true) }
            return nil
        }
    }

    /// `[name, node, tensor(, kwargs)]` as a key; nil if the list is not one.
    private func tensorKey(_ list: [Any]) -> TensorKey? {
        guard list.count >= 3, let name = list[0] as? String, let node = (list[1] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }),
            let tensor = (list[2] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }), node >= 0, tensor >= 0
        else { return nil }
        return TensorKey(layer: name, node: node, tensor: tensor)
    }

    /// The arguments of each call of a layer, from `inbound_nodes` in Keras 1/2 form (`[[["prev", 0, 0, {}], ...]]`,
    /// one list per call) or Keras 3 form (`[{"args": [tensor or [tensors]], "kwargs": {...}}]`, tensors as
    /// `{"class_name": "__keras_tensor__", "config": {"keras_history": ["prev", 0, 0]}}`).
    private func inboundCalls(_ value: Any?, layer: String) throws -> [[TensorKey]] {
        guard let nodes = value as? [Any] else { return [] }
        return try nodes.map { node in
            var keys: [TensorKey] = []
            func collect(_ item: Any, depth: Int) throws {
                guard depth < 16 else { throw invalid("layer '\(layer)': inbound_nodes nest too deep") }
                if let dict = item as? [String: Any] {
                    if let config = dict["config"] as? [String: Any], let history = config["keras_history"] as? [Any] {
                        guard let key = tensorKey(history) else { throw invalid("layer '\(layer)': malformed keras_history") }
                        keys.append(key)
                    }
                } else if let list = item as? [Any] {
                    if let key = tensorKey(list) {
                        keys.append(key)
                    } else {
                        for element in list { try collect(element, depth: depth + 1) }
                    }
                }
            }
            if let dict = node as? [String: Any] {
                // Keras 3: positional tensors; a layer called with `inputs=` keeps them in kwargs.
                try collect(dict["args"] ?? [Any](), depth: 0)
                if keys.isEmpty, let kwargs = dict["kwargs"] as? [String: Any] {
                    for key in kwargs.keys.sorted() { try collect(kwargs[key]!, depth: 0) }
                }
            } else {
                try collect(node, depth: 0)
            }
            guard !keys.isEmpty else { throw invalid("layer '\(layer)' has a call with no input tensors") }
            return keys
        }
    }

    // MARK: Layers

    /// A layer entry's name, class and settings.
    struct LayerHeader {
        var name: String
        var className: String
        var config: [String: Any]
        /// The Python module Keras 3 names for the class (`keras.layers`, `keras.src.applications.convnext`), if any.
        var module: String? = nil
    }

    private func layerHeader(_ entry: Any) throws -> LayerHeader {
        guard let dict = entry as? [String: Any] else { throw invalid("a layers entry is a JSON \(jsonKind(entry)), expected an object") }
        guard let className = dict["class_name"] as? String else { throw invalid("a layer has no class_name") }
        let config = dict["config"] as? [String: Any] ?? [:]
        let givenName = config["name"] as? String ?? dict["name"] as? String
        let label = givenName ?? "(unnamed \(className))"
        // A layer naming a Python module or a registered custom class is user code (`@register_keras_serializable`),
        // whatever its class_name says: its behaviour cannot be known from the file, so it is refused, named by
        // what it asked for, before anything else about it is checked.
        if let module = dict["module"] as? String,
            !(module == "keras" || module.hasPrefix("keras.") || module == "tf_keras"
                || module.hasPrefix("tf_keras.") || module.hasPrefix("tensorflow.keras") || module.hasPrefix("keras_core"))
        {
            throw KerasFormatError.unsupportedSetting(
                file: source, layer: label, setting: "module", value: "'\(module)'",
                expected: "a Keras module (keras.layers, ...); custom Python classes are never loaded")
        }
        if let registered = dict["registered_name"] as? String, registered != className {
            throw KerasFormatError.unsupportedSetting(
                file: source, layer: label, setting: "registered_name", value: "'\(registered)'",
                expected: "null or '\(className)' (a registered custom class is Python code, never loaded)")
        }
        guard let name = givenName else { throw invalid("a \(className) layer has no name") }
        return LayerHeader(name: name, className: className, config: config, module: dict["module"] as? String)
    }

    private func batchShape(_ config: [String: Any], layer: String) throws -> [Int]? {
        guard let raw = config["batch_shape"] ?? config["batch_input_shape"], !(raw is NSNull) else { return nil }
        guard let list = raw as? [Any], list.count >= 2 else {
            throw KerasFormatError.unsupportedSetting(
                file: source, layer: layer, setting: "batch_shape", value: "\(raw)",
                expected: "[null, d1, ...] with at least one dimension")
        }
        return try list.dropFirst().map {
            try KerasLayerMapping.Settings(config, layer: layer, source: source).positiveInt($0, "batch_shape")
        }
    }
}

/// Layers and calls collected while parsing, with nested models inlined.
struct GraphAssembly {
    let source: String
    var layers: [KerasLayerConfig] = []
    var nodes: [ModelGraph.Node] = []
    private var indexOfName: [String: Int] = [:]

    init(source: String) { self.source = source }

    /// Adds a layer; names must be unique in the whole (inlined) model.
    mutating func addLayer(_ layer: KerasLayerConfig) throws -> Int {
        guard indexOfName[layer.name] == nil else {
            throw KerasFormatError.invalidConfig(file: source, reason: "two layers are named '\(layer.name)'")
        }
        indexOfName[layer.name] = layers.count
        layers.append(layer)
        return layers.count - 1
    }

    /// Calls layer `layer` on `arguments`; returns its output.
    mutating func call(_ layer: Int, _ arguments: [ModelGraph.TensorRef]) -> ModelGraph.TensorRef {
        nodes.append(ModelGraph.Node(layer: layer, inputs: arguments))
        return .node(nodes.count - 1)
    }

    /// Calls a nested model on `arguments` by copying its layers (once per nested model: a second call shares
    /// them) and its nodes; its layers' weights are in the weight group `group`. Returns its outputs.
    mutating func inline(_ nested: KerasModelConfig, arguments: [ModelGraph.TensorRef], group: String, path: String) throws
        -> [ModelGraph.TensorRef]
    {
        guard arguments.count == nested.inputs.count else {
            throw KerasFormatError.invalidConfig(
                file: source, reason: "nested model '\(group)' takes \(nested.inputs.count) inputs and is called with \(arguments.count)")
        }
        var layerMap: [Int] = []
        for layer in nested.layers {
            if let existing = indexOfName[layer.name], layers[existing].weightGroup == group {
                layerMap.append(existing)  // A second call of the nested model shares its layers.
            } else if let existing = indexOfName[layer.name], layers[existing].spec == layer.spec,
                layers[existing].className == layer.className
            {
                // The same nested model reached through another enclosing model: the same layer object in Keras.
                if !layers[existing].aliasGroups.contains(group) { layers[existing].aliasGroups.append(group) }
                layerMap.append(existing)
            } else {
                var copy = layer
                copy.weightGroup = group
                copy.kerasPath = path + "/" + layer.kerasPath
                layerMap.append(try addLayer(copy))
            }
        }
        let base = nodes.count
        func map(_ ref: ModelGraph.TensorRef) -> ModelGraph.TensorRef {
            switch ref {
            case .input(let i): return arguments[i]
            case .node(let j): return .node(base + j)
            }
        }
        for node in nested.nodes { nodes.append(ModelGraph.Node(layer: layerMap[node.layer], inputs: node.inputs.map(map))) }
        return nested.outputs.map(map)
    }
}

/// The paths Keras 3's saving walk gives the layers of one model's `layers` list: the snake-case class name, with
/// `_1`, `_2`, ... for repeats (`saving_lib._save_container_state`).
struct SavingPaths {
    private var used: [String: Int] = [:]

    mutating func next(_ className: String) -> String {
        let stem = KerasLayerConfig.snakeCase(className)
        defer { used[stem, default: -1] += 1 }
        guard let n = used[stem] else { return "layers/" + stem }
        return "layers/\(stem)_\(n + 1)"
    }
}
