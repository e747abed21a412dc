import Foundation

/// Turns the decoded `model_config` JSON into `KerasModelConfig` values. Internal: `KerasModelConfig.parse` is the API.
struct ConfigParser {
    let source: String
    static let activations: Set<String> = ["relu", "sigmoid", "tanh", "softmax", "linear"]

    private func invalid(_ reason: String) -> KerasFormatError { .invalidConfig(source: source, reason: reason) }

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
        var model = KerasModelConfig(className: "Sequential", name: name, inputShape: nil, layers: [])
        for entry in layerList {
            let (layerName, className, layerConfig) = try layerHeader(entry)
            if className == "InputLayer" {
                guard model.layers.isEmpty, model.inputLayerName == nil else {
                    throw KerasFormatError.branchingGraph(source: source, layer: layerName, reason: "an InputLayer that is not first")
                }
                model.inputLayerName = layerName
                model.inputShape = try batchShape(layerConfig, layer: layerName)
                continue
            }
            if model.layers.isEmpty, model.inputShape == nil {
                model.inputShape = try batchShape(layerConfig, layer: layerName)
            }
            model.layers.append(try layer(name: layerName, className: className, config: layerConfig))
        }
        return model
    }

    mutating func functional(_ config: Any?, className: String) throws -> KerasModelConfig {
        guard let dict = config as? [String: Any], let layerList = dict["layers"] as? [Any] else {
            throw invalid("\(className) config has no layers list")
        }
        let inputs = try tensorNames(dict["input_layers"])
        let outputs = try tensorNames(dict["output_layers"])
        guard inputs.count == 1 else {
            throw KerasFormatError.branchingGraph(
                source: source, layer: inputs.joined(separator: ", "), reason: "the model has \(inputs.count) inputs")
        }
        guard outputs.count == 1 else {
            throw KerasFormatError.branchingGraph(
                source: source, layer: outputs.joined(separator: ", "), reason: "the model has \(outputs.count) outputs")
        }
        var model = KerasModelConfig(className: className, name: dict["name"] as? String ?? "model", inputShape: nil, layers: [])
        var previous: String?
        for entry in layerList {
            let (layerName, layerClass, layerConfig) = try layerHeader(entry)
            let inbound = try inboundLayers((entry as? [String: Any])?["inbound_nodes"], layer: layerName)
            if previous == nil {
                guard layerClass == "InputLayer", inbound.isEmpty, layerName == inputs[0] else {
                    throw KerasFormatError.branchingGraph(
                        source: source, layer: layerName,
                        reason: "the first layer is not the model's single InputLayer")
                }
                model.inputLayerName = layerName
                model.inputShape = try batchShape(layerConfig, layer: layerName)
                previous = layerName
                continue
            }
            guard inbound == [previous!] else {
                let found = inbound.isEmpty ? "no inputs" : "inputs [\(inbound.joined(separator: ", "))]"
                throw KerasFormatError.branchingGraph(
                    source: source, layer: layerName, reason: "takes \(found) instead of the previous layer '\(previous!)'")
            }
            if layerClass == "InputLayer" {
                throw KerasFormatError.branchingGraph(source: source, layer: layerName, reason: "a second InputLayer")
            }
            model.layers.append(try layer(name: layerName, className: layerClass, config: layerConfig))
            previous = layerName
        }
        guard let last = previous, last == outputs[0] else {
            throw KerasFormatError.branchingGraph(
                source: source, layer: outputs[0], reason: "the output is not the last layer of the chain")
        }
        return model
    }

    /// Names in `input_layers`/`output_layers`: `["x", 0, 0]` (Keras 3, one tensor) or `[["x", 0, 0], ...]`.
    private func tensorNames(_ value: Any?) throws -> [String] {
        guard let list = value as? [Any] else { throw invalid("Functional config has no input_layers/output_layers") }
        if let name = list.first as? String { return [name] }
        return try list.map { item in
            guard let entry = item as? [Any], let name = entry.first as? String else {
                throw invalid("malformed input_layers/output_layers entry")
            }
            return name
        }
    }

    /// The layers feeding a layer, from `inbound_nodes` in Keras 2 form (`[[["prev", 0, 0, {}]]]`) or Keras 3 form
    /// (`[{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["prev", 0, 0]}}], "kwargs": {}}]`).
    private func inboundLayers(_ value: Any?, layer: String) throws -> [String] {
        guard let nodes = value as? [Any] else { return [] }
        if nodes.count > 1 {
            throw KerasFormatError.branchingGraph(source: source, layer: layer, reason: "is called \(nodes.count) times (shared layer)")
        }
        var names: [String] = []
        func collect(_ item: Any, depth: Int) {
            guard depth < 32 else { return }
            if let dict = item as? [String: Any] {
                if let config = dict["config"] as? [String: Any], let history = config["keras_history"] as? [Any],
                    let name = history.first as? String
                {
                    names.append(name)
                    return
                }
                for key in dict.keys.sorted() { collect(dict[key]!, depth: depth + 1) }
            } else if let list = item as? [Any] {
                if list.count >= 3, let name = list[0] as? String, list[1] is NSNumber {
                    names.append(name)
                    return
                }
                for element in list { collect(element, depth: depth + 1) }
            }
        }
        for node in nodes { collect(node, depth: 0) }
        return names
    }

    // MARK: Layers

    private func layerHeader(_ entry: Any) throws -> (String, String, [String: Any]) {
        guard let dict = entry as? [String: Any] else { throw invalid("a layers entry is a JSON \(jsonKind(entry)), expected an object") }
        guard let className = dict["class_name"] as? String else { throw invalid("a layer has no class_name") }
        let config = dict["config"] as? [String: Any] ?? [:]
        guard let name = config["name"] as? String ?? dict["name"] as? String else {
            throw invalid("a \(className) layer has no name")
        }
        return (name, className, config)
    }

    private func batchShape(_ config: [String: Any], layer: String) throws -> [Int]? {
        guard let raw = config["batch_shape"] ?? config["batch_input_shape"], !(raw is NSNull) else { return nil }
        guard let list = raw as? [Any], list.count >= 2 else {
            throw KerasFormatError.unsupportedSetting(
                source: source, layer: layer, setting: "batch_shape", value: "\(raw)",
                expected: "[null, d1, ...] with at least one dimension")
        }
        return try list.dropFirst().map { try positiveInt($0, layer: layer, setting: "batch_shape") }
    }

    private func layer(name: String, className: String, config: [String: Any]) throws -> KerasLayerConfig {
        let kind: KerasLayerKind
        switch className {
        case "Conv2D", "Convolution2D":
            try requireChannelsLast(config, layer: name)
            if let dilation = config["dilation_rate"], try intPair(dilation, layer: name, setting: "dilation_rate") != [1, 1] {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "dilation_rate", value: "\(dilation)", expected: "[1, 1]")
            }
            if let groups = config["groups"] as? Int, groups != 1 {
                throw KerasFormatError.unsupportedSetting(source: source, layer: name, setting: "groups", value: "\(groups)", expected: "1")
            }
            kind = .conv2D(
                filters: try positiveInt(config["filters"], layer: name, setting: "filters"),
                kernelSize: try intPair(config["kernel_size"] ?? NSNull(), layer: name, setting: "kernel_size"),
                strides: try intPair(config["strides"] ?? [1, 1], layer: name, setting: "strides"),
                padding: try padding(config["padding"], layer: name),
                activation: try activation(config["activation"], layer: name),
                useBias: config["use_bias"] as? Bool ?? true)
        case "MaxPooling2D", "MaxPool2D":
            try requireChannelsLast(config, layer: name)
            let pool = try intPair(config["pool_size"] ?? [2, 2], layer: name, setting: "pool_size")
            let strides = config["strides"].flatMap { $0 is NSNull ? nil : $0 }
            kind = .maxPooling2D(
                poolSize: pool, strides: try strides.map { try intPair($0, layer: name, setting: "strides") } ?? pool,
                padding: try padding(config["padding"], layer: name))
        case "Flatten":
            try requireChannelsLast(config, layer: name)
            kind = .flatten
        case "Dense":
            kind = .dense(
                units: try positiveInt(config["units"], layer: name, setting: "units"),
                activation: try activation(config["activation"], layer: name),
                useBias: config["use_bias"] as? Bool ?? true)
        case "Dropout":
            guard let rate = (config["rate"] as? NSNumber)?.doubleValue, rate >= 0, rate < 1 else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "rate", value: "\(config["rate"] ?? "nothing")",
                    expected: "a number in [0, 1)")
            }
            kind = .dropout(rate: rate)
        case "Activation":
            kind = .activation(try activation(config["activation"], layer: name))
        case "Lambda":
            throw KerasFormatError.lambdaLayer(source: source, layer: name)
        default:
            throw KerasFormatError.unsupportedLayer(source: source, layer: name, className: className)
        }
        return KerasLayerConfig(name: name, className: className, kind: kind)
    }

    private func requireChannelsLast(_ config: [String: Any], layer: String) throws {
        if let format = config["data_format"] as? String, format != "channels_last" {
            throw KerasFormatError.unsupportedSetting(
                source: source, layer: layer, setting: "data_format", value: format, expected: "channels_last")
        }
    }

    private func activation(_ value: Any?, layer: String) throws -> String {
        let name: String
        if value == nil || value is NSNull {
            name = "linear"
        } else if let s = value as? String {
            name = s
        } else if let dict = value as? [String: Any], let s = dict["class_name"] as? String,
            dict["module"] as? String == "keras.activations"
        {
            name = (dict["config"] as? String) ?? s
        } else {
            throw KerasFormatError.unsupportedSetting(
                source: source, layer: layer, setting: "activation", value: "a JSON \(jsonKind(value))",
                expected: "one of relu, sigmoid, tanh, softmax, linear")
        }
        guard Self.activations.contains(name) else {
            throw KerasFormatError.unsupportedSetting(
                source: source, layer: layer, setting: "activation", value: "'\(name)'",
                expected: "one of relu, sigmoid, tanh, softmax, linear")
        }
        return name
    }

    private func padding(_ value: Any?, layer: String) throws -> KerasPadding {
        let raw = value as? String ?? "valid"
        guard let padding = KerasPadding(rawValue: raw.lowercased()) else {
            throw KerasFormatError.unsupportedSetting(
                source: source, layer: layer, setting: "padding", value: "'\(raw)'", expected: "valid or same")
        }
        return padding
    }

    private func positiveInt(_ value: Any?, layer: String, setting: String) throws -> Int {
        guard let number = value as? NSNumber, let int = Int(exactly: number.doubleValue), int > 0, int <= 1 << 31 else {
            throw KerasFormatError.unsupportedSetting(
                source: source, layer: layer, setting: setting, value: "\(value ?? "nothing")",
                expected: "a positive integer")
        }
        return int
    }

    private func intPair(_ value: Any, layer: String, setting: String) throws -> [Int] {
        if value is NSNumber {
            let v = try positiveInt(value, layer: layer, setting: setting)
            return [v, v]
        }
        guard let list = value as? [Any], list.count == 2 else {
            throw KerasFormatError.unsupportedSetting(
                source: source, layer: layer, setting: setting, value: "\(value)", expected: "two positive integers")
        }
        return try list.map { try positiveInt($0, layer: layer, setting: setting) }
    }
}
