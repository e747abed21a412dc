import Foundation

/// Turns the decoded `model_config` JSON into `KerasModelConfig` values. Internal: `KerasModelConfig.parse` is the API.
struct ConfigParser {
    let source: String
    static let activations: Set<String> = [
        "relu", "sigmoid", "tanh", "softmax", "linear", "elu", "selu", "softplus", "softsign", "hard_sigmoid", "exponential",
    ]
    static let activationList = "one of relu, sigmoid, tanh, softmax, linear, elu, selu, softplus, softsign, hard_sigmoid, exponential"
    /// How deep models may nest as layers of models.
    static let maxNesting = 8
    var nesting = 0

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
            let (layers, nestedShape) = try layer(name: layerName, className: className, config: layerConfig)
            if model.layers.isEmpty, model.inputShape == nil { model.inputShape = nestedShape }
            model.layers += layers
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
            model.layers += try layer(name: layerName, className: layerClass, config: layerConfig).layers
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
        // A layer naming a Python module or a registered custom class is user code (`@register_keras_serializable`),
        // whatever its class_name says: its behaviour cannot be known from the file, so it is refused.
        if let module = dict["module"] as? String, !(module == "keras" || module.hasPrefix("keras.") || module == "tf_keras"
            || module.hasPrefix("tf_keras.") || module.hasPrefix("tensorflow.keras") || module.hasPrefix("keras_core"))
        {
            throw KerasFormatError.unsupportedSetting(
                source: source, layer: name, setting: "module", value: "'\(module)'",
                expected: "a Keras module (keras.layers, ...); custom Python classes are never loaded")
        }
        if let registered = dict["registered_name"] as? String, registered != className {
            throw KerasFormatError.unsupportedSetting(
                source: source, layer: name, setting: "registered_name", value: "'\(registered)'",
                expected: "null or '\(className)' (a registered custom class is Python code, never loaded)")
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

    /// The layers one configuration entry stands for: one layer, or the layers of a model nested as a layer
    /// (which keep the nested model's name as their weight group), plus the nested model's input shape.
    private mutating func layer(name: String, className: String, config: [String: Any]) throws
        -> (layers: [KerasLayerConfig], nestedInputShape: [Int]?)
    {
        func setting(_ keys: String...) -> Any? {
            for key in keys { if let v = config[key], !(v is NSNull) { return v } }
            return nil
        }
        let format = try dataFormat(config, layer: name)
        let kind: KerasLayerKind
        var layout = KerasKernelLayout.hwio
        switch className {
        case "Sequential", "Model", "Functional":
            guard nesting < Self.maxNesting else { throw invalid("models nest deeper than \(Self.maxNesting) levels") }
            var inner = ConfigParser(source: source, nesting: nesting + 1)
            let model = className == "Sequential" ? try inner.sequential(config) : try inner.functional(config, className: className)
            let layers = model.layers.map { l -> KerasLayerConfig in
                var l = l
                // Weights of a nested model's layers sit, in order, under the enclosing layer's group.
                l.weightGroup = name
                return l
            }
            return (layers, model.inputShape)
        case "Conv2D", "Convolution2D":
            if let dilation = setting("dilation_rate"), try intPair(dilation, layer: name, setting: "dilation_rate") != [1, 1] {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "dilation_rate", value: "\(dilation)", expected: "[1, 1]")
            }
            if let groups = config["groups"] as? Int, groups != 1 {
                throw KerasFormatError.unsupportedSetting(source: source, layer: name, setting: "groups", value: "\(groups)", expected: "1")
            }
            let kernel: [Int]
            if let size = setting("kernel_size") {
                kernel = try intPair(size, layer: name, setting: "kernel_size")
            } else if setting("nb_row") != nil || setting("nb_col") != nil {
                // Keras 1: nb_row, nb_col.
                kernel = [
                    try positiveInt(setting("nb_row"), layer: name, setting: "kernel_size (nb_row)"),
                    try positiveInt(setting("nb_col"), layer: name, setting: "kernel_size (nb_col)"),
                ]
            } else {
                kernel = try intPair(NSNull(), layer: name, setting: "kernel_size")
            }
            // Keras 1 (nb_filter) with dim_ordering th stored kernels (out, in, h, w).
            if config["nb_filter"] != nil, format == .channelsFirst { layout = .oihw }
            kind = .conv2D(
                filters: try positiveInt(setting("filters", "nb_filter"), layer: name, setting: "filters"),
                kernelSize: kernel,
                strides: try intPair(setting("strides", "subsample") ?? [1, 1], layer: name, setting: "strides"),
                padding: try padding(setting("padding", "border_mode"), layer: name),
                activation: try activation(config["activation"], layer: name),
                useBias: (setting("use_bias", "bias") as? Bool) ?? true)
        case "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D":
            let pool = try intPair(setting("pool_size") ?? [2, 2], layer: name, setting: "pool_size")
            let strides = try setting("strides").map { try intPair($0, layer: name, setting: "strides") } ?? pool
            let pad = try padding(setting("padding", "border_mode"), layer: name)
            kind =
                className.hasPrefix("Max")
                ? .maxPooling2D(poolSize: pool, strides: strides, padding: pad)
                : .averagePooling2D(poolSize: pool, strides: strides, padding: pad)
        case "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAvgPool2D", "GlobalMaxPool2D":
            if config["keepdims"] as? Bool == true {
                throw KerasFormatError.unsupportedSetting(source: source, layer: name, setting: "keepdims", value: "true", expected: "false")
            }
            kind = className.hasPrefix("GlobalMax") ? .globalMaxPooling2D : .globalAveragePooling2D
        case "Cropping2D":
            kind = .cropping2D(try edges(setting("cropping") ?? 0, layer: name, setting: "cropping"))
        case "ZeroPadding2D":
            kind = .zeroPadding2D(try edges(setting("padding") ?? 1, layer: name, setting: "padding"))
        case "Flatten":
            kind = .flatten
        case "Reshape":
            guard let target = setting("target_shape") as? [Any], !target.isEmpty else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "target_shape", value: "\(config["target_shape"] ?? "nothing")",
                    expected: "a list of positive integers")
            }
            kind = .reshape(try target.map { try positiveInt($0, layer: name, setting: "target_shape") })
        case "Permute":
            guard let dims = setting("dims") as? [Any], !dims.isEmpty else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "dims", value: "\(config["dims"] ?? "nothing")", expected: "a permutation of 1...n")
            }
            let values = try dims.map { try positiveInt($0, layer: name, setting: "dims") }
            guard values.sorted() == Array(1...values.count) else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "dims", value: "\(values)", expected: "a permutation of 1...\(values.count)")
            }
            kind = .permute(values)
        case "Dense":
            kind = .dense(
                units: try positiveInt(setting("units", "output_dim"), layer: name, setting: "units"),
                activation: try activation(config["activation"], layer: name),
                useBias: (setting("use_bias", "bias") as? Bool) ?? true)
        case "Dropout":
            guard let rate = (setting("rate", "p") as? NSNumber)?.doubleValue, rate >= 0, rate < 1 else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "rate", value: "\(config["rate"] ?? "nothing")",
                    expected: "a number in [0, 1)")
            }
            kind = .dropout(rate: rate)
        case "Activation":
            kind = .activation(try activation(config["activation"], layer: name))
        case "Softmax":
            let axis = (setting("axis") as? NSNumber)?.intValue ?? -1
            guard axis == -1 else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "axis", value: "\(axis)", expected: "-1 (the last axis)")
            }
            kind = .activation("softmax")
        case "ReLU":
            let maxValue = setting("max_value")
            let slope = (setting("negative_slope") as? NSNumber)?.doubleValue ?? 0
            let threshold = (setting("threshold") as? NSNumber)?.doubleValue ?? 0
            guard maxValue == nil, slope == 0, threshold == 0 else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "max_value/negative_slope/threshold",
                    value: "\(maxValue ?? "null")/\(slope)/\(threshold)", expected: "null/0/0 (a plain ReLU)")
            }
            kind = .activation("relu")
        case "LeakyReLU":
            guard let alpha = (setting("alpha", "negative_slope") as? NSNumber)?.doubleValue, alpha.isFinite else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "alpha", value: "\(config["alpha"] ?? "nothing")", expected: "a number")
            }
            kind = .leakyReLU(alpha: alpha)
        case "BatchNormalization":
            var axisValue = setting("axis") ?? -1
            if let list = axisValue as? [Any] {
                guard list.count == 1 else {
                    throw KerasFormatError.unsupportedSetting(
                        source: source, layer: name, setting: "axis", value: "\(list)", expected: "a single axis")
                }
                axisValue = list[0]
            }
            guard let axis = (axisValue as? NSNumber)?.intValue else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "axis", value: "\(axisValue)", expected: "an integer")
            }
            if let mode = setting("mode") as? NSNumber, mode.intValue != 0 {
                throw KerasFormatError.unsupportedSetting(source: source, layer: name, setting: "mode", value: "\(mode)", expected: "0")
            }
            let epsilon = (setting("epsilon") as? NSNumber)?.doubleValue ?? 1e-3
            guard epsilon >= 0, epsilon.isFinite else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: name, setting: "epsilon", value: "\(epsilon)", expected: "a non-negative number")
            }
            kind = .batchNormalization(
                axis: axis, epsilon: epsilon, center: setting("center") as? Bool ?? true, scale: setting("scale") as? Bool ?? true)
        case "Lambda":
            throw KerasFormatError.lambdaLayer(source: source, layer: name)
        default:
            throw KerasFormatError.unsupportedLayer(source: source, layer: name, className: className)
        }
        // channels_last is the default: recorded as nil, so only channels-first layers carry a format.
        let stated = format == .channelsFirst ? format : nil
        return ([KerasLayerConfig(name: name, className: className, kind: kind, dataFormat: stated, kernelLayout: layout)], nil)
    }

    /// `data_format` (Keras 2+) or `dim_ordering` (Keras 1: `th` channels-first, `tf` channels-last); nil if absent.
    private func dataFormat(_ config: [String: Any], layer: String) throws -> KerasDataFormat? {
        if let format = config["data_format"] as? String {
            guard let value = KerasDataFormat(rawValue: format) else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: layer, setting: "data_format", value: format, expected: "channels_last or channels_first")
            }
            return value
        }
        if let ordering = config["dim_ordering"] as? String {
            switch ordering {
            case "th": return .channelsFirst
            case "tf": return .channelsLast
            default:
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: layer, setting: "dim_ordering", value: ordering, expected: "th or tf")
            }
        }
        return nil
    }

    /// Cropping/padding amounts as `[top, bottom, left, right]` from `n`, `[h, w]` or `[[t, b], [l, r]]`.
    private func edges(_ value: Any, layer: String, setting: String) throws -> [Int] {
        func count(_ v: Any) throws -> Int {
            guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue), i >= 0, i <= 1 << 20 else {
                throw KerasFormatError.unsupportedSetting(
                    source: source, layer: layer, setting: setting, value: "\(v)", expected: "non-negative integers")
            }
            return i
        }
        if value is NSNumber {
            let n = try count(value)
            return [n, n, n, n]
        }
        if let list = value as? [Any], list.count == 2 {
            if let a = list[0] as? [Any], let b = list[1] as? [Any], a.count == 2, b.count == 2 {
                return [try count(a[0]), try count(a[1]), try count(b[0]), try count(b[1])]
            }
            let h = try count(list[0])
            let w = try count(list[1])
            return [h, h, w, w]
        }
        throw KerasFormatError.unsupportedSetting(
            source: source, layer: layer, setting: setting, value: "\(value)", expected: "n, [h, w] or [[top, bottom], [left, right]]")
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
                expected: Self.activationList)
        }
        guard Self.activations.contains(name) else {
            throw KerasFormatError.unsupportedSetting(
                source: source, layer: layer, setting: "activation", value: "'\(name)'",
                expected: Self.activationList)
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
