import Foundation
import ModelSpec
import SafeIO

/// The one mapping between Keras layer classes and the layer vocabulary, in both directions: a class and its
/// config (any Keras version, Keras 1 synonyms included) to a `LayerSpec`, and a `LayerSpec` to the class and
/// config Keras 2 or 3 writes.
enum KerasLayerMapping {
    /// Reads a layer's settings, with the file's name and the layer's for error messages.
    struct Settings {
        let config: [String: Any]
        let layer: String
        let source: String
        /// Whether activation names mean what Keras 1/2 meant (`hard_sigmoid`: `clip(0.2 x + 0.5, 0, 1)`).
        var keras2Activations = false

        init(_ config: [String: Any], layer: String, source: String) {
            self.config = config
            self.layer = layer
            self.source = source
        }

        /// The first of `keys` that is present and not null.
        func value(_ keys: String...) -> Any? {
            for key in keys { if let v = config[key], !(v is NSNull) { return v } }
            return nil
        }

        func unsupported(_ setting: String, _ value: Any?, expected: String) -> KerasFormatError {
            .unsupportedSetting(file: source, layer: layer, setting: setting, value: "\(value ?? "nothing")", expected: expected)
        }

        func positiveInt(_ value: Any?, _ setting: String) throws -> Int {
            guard let value else { throw unsupported(setting, "missing", expected: "a positive integer") }
            if let text = value as? String {
                throw unsupported(setting, "the string \"\(text)\"", expected: "a positive integer (a number, not text)")
            }
            guard let number = value as? NSNumber, let int = Int(exactly: number.doubleValue), int > 0 else {
                throw unsupported(setting, value, expected: "a positive integer")
            }
            guard int <= 1 << 31 else {
                throw KerasFormatError.invalidConfig(
                    file: source, reason: "layer '\(layer)': \(setting) is " + ResourceLimits.overLimit(int, limit: 1 << 31, unit: ""))
            }
            return int
        }

        func intPair(_ value: Any, _ setting: String) throws -> [Int] {
            if value is NSNumber {
                let v = try positiveInt(value, setting)
                return [v, v]
            }
            guard let list = value as? [Any], list.count == 2 else { throw unsupported(setting, value, expected: "two positive integers") }
            return try list.map { try positiveInt($0, setting) }
        }

        func number(_ setting: String, default fallback: Double) throws -> Double {
            guard let raw = value(setting) else { return fallback }
            guard let number = (raw as? NSNumber)?.doubleValue, number.isFinite else {
                throw unsupported(setting, raw, expected: "a number")
            }
            return number
        }

        func bool(_ keys: String..., default fallback: Bool) -> Bool {
            for key in keys { if let b = config[key] as? Bool { return b } }
            return fallback
        }

        /// Cropping/padding amounts as `[top, bottom, left, right]` from `n`, `[h, w]` or `[[t, b], [l, r]]`.
        func edges(_ setting: String, default fallback: Int) throws -> [Int] {
            let raw = value(setting) ?? fallback
            func count(_ v: Any) throws -> Int {
                guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue), i >= 0, i <= 1 << 20 else {
                    throw unsupported(setting, v, expected: "non-negative integers")
                }
                return i
            }
            if raw is NSNumber {
                let n = try count(raw)
                return [n, n, n, n]
            }
            if let list = raw as? [Any], list.count == 2 {
                if let a = list[0] as? [Any], let b = list[1] as? [Any], a.count == 2, b.count == 2 {
                    return [try count(a[0]), try count(a[1]), try count(b[0]), try count(b[1])]
                }
                let h = try count(list[0])
                let w = try count(list[1])
                return [h, h, w, w]
            }
            throw unsupported(setting, raw, expected: "n, [h, w] or [[top, bottom], [left, right]]")
        }

        func activation(_ key: String = "activation") throws -> Activation {
            let raw = config[key]
            let name: String
            if raw == nil || raw is NSNull {
                name = "linear"
            } else if let s = raw as? String {
                name = s
            } else if let dict = raw as? [String: Any], let s = dict["class_name"] as? String,
                dict["module"] as? String == "keras.activations"
            {
                name = (dict["config"] as? String) ?? s
            } else {
                throw unsupported(key, "a JSON \(jsonKind(raw))", expected: activationList)
            }
            guard let activation = KerasLayerMapping.activation(named: name, keras2: keras2Activations) else {
                throw unsupported(key, "'\(name)'", expected: activationList)
            }
            return activation
        }

        var activationList: String {
            "one of " + (KerasLayerMapping.activationNames + Activation.kerasAliases.keys.sorted()).joined(separator: ", ")
        }

        /// A Keras axis setting: an integer, or a list of them (`[]` when `allowEmpty` and the value is null).
        func axes(_ setting: String, default fallback: [Int], allowNull: Bool = false) throws -> [Int] {
            guard let raw = config[setting] else { return fallback }
            if raw is NSNull {
                guard allowNull else { throw unsupported(setting, raw, expected: "an integer or a list of integers") }
                return []
            }
            func axis(_ v: Any) throws -> Int {
                guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue), abs(i) <= 1 << 16 else {
                    throw unsupported(setting, v, expected: "an integer or a list of integers")
                }
                return i
            }
            if let list = raw as? [Any] { return try list.map(axis) }
            return [try axis(raw)]
        }

        /// A number, or nested lists of numbers flattened in row-major order (nil when absent or null).
        func numbers(_ setting: String) throws -> [Double]? {
            guard let raw = value(setting) else { return nil }
            var out: [Double] = []
            func walk(_ v: Any, depth: Int) throws {
                if let n = v as? NSNumber, !(v is Bool), n.doubleValue.isFinite {
                    out.append(n.doubleValue)
                } else if let list = v as? [Any], depth < 8 {
                    for item in list { try walk(item, depth: depth + 1) }
                } else {
                    throw unsupported(setting, "a JSON \(jsonKind(v))", expected: "a number or nested lists of numbers")
                }
            }
            try walk(raw, depth: 0)
            return out
        }

        /// A dropout-like rate in [0, 1).
        func rate(_ setting: String = "rate") throws -> Double {
            guard let rate = (value(setting) as? NSNumber)?.doubleValue, rate >= 0, rate < 1 else {
                throw unsupported(setting, config[setting], expected: "a number in [0, 1)")
            }
            return rate
        }

        func padding() throws -> Padding {
            let raw = value("padding", "border_mode") as? String ?? "valid"
            guard let padding = Padding(rawValue: raw.lowercased()) else {
                throw unsupported("padding", "'\(raw)'", expected: "valid or same")
            }
            return padding
        }

        /// `data_format` (Keras 2+) or `dim_ordering` (Keras 1: `th` channels-first, `tf` channels-last).
        func dataFormat() throws -> DataFormat {
            if let format = config["data_format"] as? String {
                guard let value = DataFormat(rawValue: format) else {
                    throw unsupported("data_format", format, expected: "channels_last or channels_first")
                }
                return value
            }
            if let ordering = config["dim_ordering"] as? String {
                switch ordering {
                case "th": return .channelsFirst
                case "tf", "default": return .channelsLast
                default: throw unsupported("dim_ordering", ordering, expected: "th or tf")
                }
            }
            return .channelsLast
        }
    }

    /// The layer a config entry describes. Throws `KerasFormatError` for unsupported classes and settings, and for
    /// Lambda layers, whose code is never run.
    /// `kerasVersion` is the file's `keras_version` (nil: Keras 1/2, which did not always record it); activation names
    /// whose meaning changed in Keras 3 are read as that version meant them.
    static func layer(_ header: ConfigParser.LayerHeader, source: String, kerasVersion: String? = nil) throws -> KerasLayerConfig {
        var s = Settings(header.config, layer: header.name, source: source)
        s.keras2Activations = !isKeras3(kerasVersion)
        var layout = KerasKernelLayout.hwio
        let spec: LayerSpec
        switch header.className {
        case "Conv2D", "Convolution2D":
            let dilation = try s.intPair(s.value("dilation_rate", "atrous_rate") ?? [1, 1], "dilation_rate")
            let groups = try s.positiveInt(s.value("groups") ?? 1, "groups")
            let kernel: [Int]
            if let size = s.value("kernel_size") {
                kernel = try s.intPair(size, "kernel_size")
            } else {
                // Keras 1: nb_row, nb_col.
                kernel = [
                    try s.positiveInt(s.value("nb_row"), "kernel_size (nb_row)"),
                    try s.positiveInt(s.value("nb_col"), "kernel_size (nb_col)"),
                ]
            }
            let format = try s.dataFormat()
            // Keras 1 (nb_filter) with dim_ordering th stored kernels (out, in, h, w).
            if header.config["nb_filter"] != nil, format == .channelsFirst { layout = .oihw }
            let strides = try s.intPair(s.value("strides", "subsample") ?? [1, 1], "strides")
            spec = .conv2D(
                filters: try s.positiveInt(s.value("filters", "nb_filter"), "filters"), kernelHeight: kernel[0], kernelWidth: kernel[1],
                strideHeight: strides[0], strideWidth: strides[1], padding: try s.padding(), activation: try s.activation(),
                useBias: s.bool("use_bias", "bias", default: true), dataFormat: format, dilationHeight: dilation[0],
                dilationWidth: dilation[1],
                groups: groups)
        case "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D":
            let pool = try s.intPair(s.value("pool_size") ?? [2, 2], "pool_size")
            let strides = try s.value("strides").map { try s.intPair($0, "strides") } ?? pool
            let (padding, format) = (try s.padding(), try s.dataFormat())
            spec =
                header.className.hasPrefix("Max")
                ? .maxPool2D(
                    poolHeight: pool[0], poolWidth: pool[1], strideHeight: strides[0], strideWidth: strides[1], padding: padding,
                    dataFormat: format)
                : .averagePool2D(
                    poolHeight: pool[0], poolWidth: pool[1], strideHeight: strides[0], strideWidth: strides[1], padding: padding,
                    dataFormat: format)
        case "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAvgPool2D", "GlobalMaxPool2D":
            let (format, keep) = (try s.dataFormat(), s.bool("keepdims", default: false))
            spec =
                header.className.hasPrefix("GlobalMax")
                ? .globalMaxPool2D(dataFormat: format, keepDims: keep) : .globalAveragePool2D(dataFormat: format, keepDims: keep)
        case "Cropping2D":
            let e = try s.edges("cropping", default: 0)
            spec = .cropping2D(top: e[0], bottom: e[1], left: e[2], right: e[3], dataFormat: try s.dataFormat())
        case "ZeroPadding2D":
            let e = try s.edges("padding", default: 1)
            spec = .zeroPadding2D(top: e[0], bottom: e[1], left: e[2], right: e[3], dataFormat: try s.dataFormat())
        case "Flatten":
            // Keras 1 and 2.0 flattened as stored whatever the layer said; only a stated channels_first moves channels.
            spec = .flatten(dataFormat: header.config["data_format"] as? String == "channels_first" ? .channelsFirst : .channelsLast)
        case "Reshape":
            guard let target = s.value("target_shape") as? [Any], !target.isEmpty else {
                throw s.unsupported("target_shape", header.config["target_shape"], expected: "a list of positive integers")
            }
            // Keras writes a -1 it was given as is; the shape rule resolves it.
            spec = .reshape(try target.map { ($0 as? NSNumber)?.intValue == -1 ? -1 : try s.positiveInt($0, "target_shape") })
        case "Permute":
            guard let dims = s.value("dims") as? [Any], !dims.isEmpty else {
                throw s.unsupported("dims", header.config["dims"], expected: "a permutation of 1...n")
            }
            let values = try dims.map { try s.positiveInt($0, "dims") }
            guard values.sorted() == Array(1...values.count) else {
                throw s.unsupported("dims", values, expected: "a permutation of 1...\(values.count)")
            }
            spec = .permute(values)
        case "Dense":
            spec = .dense(
                units: try s.positiveInt(s.value("units", "output_dim"), "units"), activation: try s.activation(),
                useBias: s.bool("use_bias", "bias", default: true))
        case "Dropout":
            guard let rate = (s.value("rate", "p") as? NSNumber)?.doubleValue, rate >= 0, rate < 1 else {
                throw s.unsupported("rate", header.config["rate"], expected: "a number in [0, 1)")
            }
            spec = .dropout(rate: rate)
        case "Activation":
            spec = .activation(try s.activation())
        case "Softmax":
            let axes = try s.axes("axis", default: [-1])
            spec = axes == [-1] ? .activation(.softmax) : .softmax(axes: axes)
        case "ReLU":
            let maxValue = s.value("max_value") == nil ? nil : try s.number("max_value", default: 0)
            let (slope, threshold) = (try s.number("negative_slope", default: 0), try s.number("threshold", default: 0))
            if let maxValue, maxValue < 0 { throw s.unsupported("max_value", maxValue, expected: "a non-negative number or null") }
            guard slope >= 0 else { throw s.unsupported("negative_slope", slope, expected: "a non-negative number") }
            spec =
                maxValue == nil && slope == 0 && threshold == 0
                ? .activation(.relu) : .relu(maxValue: maxValue, negativeSlope: slope, threshold: threshold)
        case "LeakyReLU":
            guard let alpha = (s.value("alpha", "negative_slope") as? NSNumber)?.doubleValue, alpha.isFinite else {
                throw s.unsupported("alpha", header.config["alpha"], expected: "a number")
            }
            spec = .leakyReLU(alpha: alpha)
        case "BatchNormalization":
            var axisValue = s.value("axis") ?? -1
            if let list = axisValue as? [Any] {
                guard list.count == 1 else { throw s.unsupported("axis", list, expected: "a single axis") }
                axisValue = list[0]
            }
            guard let axis = (axisValue as? NSNumber)?.intValue else { throw s.unsupported("axis", axisValue, expected: "an integer") }
            if let mode = s.value("mode") as? NSNumber, mode.intValue != 0 { throw s.unsupported("mode", mode, expected: "0") }
            let epsilon = try s.number("epsilon", default: 1e-3)
            guard epsilon >= 0 else { throw s.unsupported("epsilon", epsilon, expected: "a non-negative number") }
            spec = .batchNormalization(
                axis: axis, epsilon: epsilon, center: s.bool("center", default: true), scale: s.bool("scale", default: true))
        case "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum":
            spec = .merge(MergeOperation(rawValue: header.className)!)
        case "Concatenate":
            let axis = s.value("axis") ?? -1
            guard let value = (axis as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }) else {
                throw s.unsupported("axis", axis, expected: "an integer")
            }
            spec = .concatenate(axis: value)
        case "DepthwiseConv2D", "SeparableConv2D", "SeparableConvolution2D":
            let kernel = try s.intPair(s.value("kernel_size") ?? NSNull(), "kernel_size")
            let strides = try s.intPair(s.value("strides") ?? [1, 1], "strides")
            let dilation = try s.intPair(s.value("dilation_rate") ?? [1, 1], "dilation_rate")
            let multiplier = try s.positiveInt(s.value("depth_multiplier") ?? 1, "depth_multiplier")
            let (padding, activation, format) = (try s.padding(), try s.activation(), try s.dataFormat())
            let useBias = s.bool("use_bias", default: true)
            if header.className == "DepthwiseConv2D" {
                spec = .depthwiseConv2D(
                    kernelHeight: kernel[0], kernelWidth: kernel[1], depthMultiplier: multiplier, strideHeight: strides[0],
                    strideWidth: strides[1],
                    dilationHeight: dilation[0], dilationWidth: dilation[1], padding: padding, activation: activation, useBias: useBias,
                    dataFormat: format)
            } else {
                spec = .separableConv2D(
                    filters: try s.positiveInt(s.value("filters"), "filters"), kernelHeight: kernel[0], kernelWidth: kernel[1],
                    depthMultiplier: multiplier, strideHeight: strides[0], strideWidth: strides[1], dilationHeight: dilation[0],
                    dilationWidth: dilation[1], padding: padding, activation: activation, useBias: useBias, dataFormat: format)
            }
        case "Conv2DTranspose", "Convolution2DTranspose", "Deconvolution2D", "Deconv2D":
            let kernel = try s.intPair(s.value("kernel_size") ?? NSNull(), "kernel_size")
            let strides = try s.intPair(s.value("strides") ?? [1, 1], "strides")
            if let dilation = s.value("dilation_rate"), try s.intPair(dilation, "dilation_rate") != [1, 1] {
                throw s.unsupported("dilation_rate", dilation, expected: "[1, 1]")
            }
            var outputPadding: [Int?] = [nil, nil]
            if let raw = s.value("output_padding") {
                guard let list = raw as? [Any], list.count == 2,
                    let values = Optional(list.compactMap { ($0 as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } }),
                    values.count == 2,
                    values[0] >= 0, values[0] < strides[0], values[1] >= 0, values[1] < strides[1]
                else { throw s.unsupported("output_padding", raw, expected: "null or two integers each smaller than its stride") }
                outputPadding = values
            }
            spec = .conv2DTranspose(
                filters: try s.positiveInt(s.value("filters"), "filters"), kernelHeight: kernel[0], kernelWidth: kernel[1],
                strideHeight: strides[0], strideWidth: strides[1], padding: try s.padding(), outputPaddingHeight: outputPadding[0],
                outputPaddingWidth: outputPadding[1], activation: try s.activation(), useBias: s.bool("use_bias", default: true),
                dataFormat: try s.dataFormat())
        case "Conv1D", "Convolution1D":
            let raw = s.value("padding") as? String ?? "valid"
            guard let padding = Conv1DPadding(rawValue: raw.lowercased()) else {
                throw s.unsupported("padding", "'\(raw)'", expected: "valid, same or causal")
            }
            spec = .conv1D(
                filters: try s.positiveInt(s.value("filters"), "filters"), kernelSize: try s.single(s.value("kernel_size"), "kernel_size"),
                stride: try s.single(s.value("strides") ?? 1, "strides"),
                dilation: try s.single(s.value("dilation_rate") ?? 1, "dilation_rate"),
                padding: padding, groups: try s.positiveInt(s.value("groups") ?? 1, "groups"), activation: try s.activation(),
                useBias: s.bool("use_bias", default: true), dataFormat: try s.dataFormat())
        case "MaxPooling1D", "MaxPool1D", "AveragePooling1D", "AvgPool1D":
            let pool = try s.single(s.value("pool_size") ?? 2, "pool_size")
            let stride = try s.single(s.value("strides") ?? pool, "strides")
            let (padding, format) = (try s.padding(), try s.dataFormat())
            spec =
                header.className.hasPrefix("Max")
                ? .maxPool1D(poolSize: pool, stride: stride, padding: padding, dataFormat: format)
                : .averagePool1D(poolSize: pool, stride: stride, padding: padding, dataFormat: format)
        case "GlobalAveragePooling1D", "GlobalMaxPooling1D", "GlobalAvgPool1D", "GlobalMaxPool1D":
            let (format, keep) = (try s.dataFormat(), s.bool("keepdims", default: false))
            spec =
                header.className.hasPrefix("GlobalMax")
                ? .globalMaxPool1D(dataFormat: format, keepDims: keep) : .globalAveragePool1D(dataFormat: format, keepDims: keep)
        case "UpSampling2D":
            let size = try s.intPair(s.value("size") ?? [2, 2], "size")
            let raw = s.value("interpolation") as? String ?? "nearest"
            guard let interpolation = Interpolation(rawValue: raw.lowercased()) else {
                throw s.unsupported("interpolation", "'\(raw)'", expected: "nearest or bilinear")
            }
            spec = .upSampling2D(sizeHeight: size[0], sizeWidth: size[1], interpolation: interpolation, dataFormat: try s.dataFormat())
        case "UpSampling1D":
            spec = .upSampling1D(size: try s.single(s.value("size", "length") ?? 2, "size"))
        case "ZeroPadding1D", "Cropping1D":
            let padding = header.className == "ZeroPadding1D"
            let raw = s.value(padding ? "padding" : "cropping") ?? (padding ? 1 : 0)
            let setting = padding ? "padding" : "cropping"
            let edges: [Int]
            if let list = raw as? [Any], list.count == 2 {
                edges = try list.map { try s.count($0, setting) }
            } else {
                let n = try s.count(raw, setting)
                edges = [n, n]
            }
            spec =
                padding
                ? .zeroPadding1D(left: edges[0], right: edges[1], dataFormat: try s.dataFormat())
                : .cropping1D(left: edges[0], right: edges[1])
        case "LayerNormalization":
            if s.bool("rms_scaling", default: false) { throw s.unsupported("rms_scaling", true, expected: "false") }
            let epsilon = try s.number("epsilon", default: 1e-3)
            guard epsilon >= 0 else { throw s.unsupported("epsilon", epsilon, expected: "a non-negative number") }
            spec = .layerNormalization(
                axes: try s.axes("axis", default: [-1]), epsilon: epsilon, center: s.bool("center", default: true),
                scale: s.bool("scale", default: true))
        case "Rescaling":
            spec = .rescaling(scale: try s.number("scale", default: 1), offset: try s.number("offset", default: 0))
        case "Normalization":
            spec = .normalization(
                axes: try s.axes("axis", default: [-1], allowNull: true), mean: try s.numbers("mean"), variance: try s.numbers("variance"),
                invert: s.bool("invert", default: false))
        case "PReLU":
            spec = .prelu(sharedAxes: try s.axes("shared_axes", default: [], allowNull: true))
        case "ELU":
            spec = .elu(alpha: try s.number("alpha", default: 1))
        case "Embedding":
            if s.bool("mask_zero", default: false) {
                throw s.unsupported("mask_zero", true, expected: "false (masks are not propagated)")
            }
            if let rank = s.value("lora_rank") { throw s.unsupported("lora_rank", rank, expected: "null") }
            spec = .embedding(
                inputDim: try s.positiveInt(s.value("input_dim"), "input_dim"),
                outputDim: try s.positiveInt(s.value("output_dim"), "output_dim"))
        case "RepeatVector":
            spec = .repeatVector(try s.positiveInt(s.value("n"), "n"))
        case "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D":
            let rank = header.className == "SpatialDropout1D" ? 1 : header.className == "SpatialDropout2D" ? 2 : 3
            spec = .inferenceIdentity(
                .spatialDropout(rank: rank, rate: try s.rate(), dataFormat: rank == 1 ? nil : try s.dataFormat()))
        case "GaussianNoise":
            let stddev = try s.number("stddev", default: -1)
            guard stddev >= 0 else { throw s.unsupported("stddev", header.config["stddev"], expected: "a non-negative number") }
            spec = .inferenceIdentity(.gaussianNoise(stddev: stddev))
        case "GaussianDropout":
            spec = .inferenceIdentity(.gaussianDropout(rate: try s.rate()))
        case "AlphaDropout":
            spec = .inferenceIdentity(.alphaDropout(rate: try s.rate()))
        case "ActivityRegularization":
            spec = .inferenceIdentity(.activityRegularization(l1: try s.number("l1", default: 0), l2: try s.number("l2", default: 0)))
        case "LayerScale":
            // ConvNeXt's layer, part of keras.applications: accepted under its own module (`.keras`, Keras 3 JSON);
            // legacy `.h5` configs name no module, so there only a config holding exactly ConvNeXt's settings is
            // taken for it, and a same-named custom class with other settings is refused.
            if let module = header.module {
                guard module.hasSuffix("applications.convnext") else {
                    throw s.unsupported("module", "'\(module)'", expected: "keras.src.applications.convnext (ConvNeXt's LayerScale)")
                }
            } else {
                let own: Set<String> = ["name", "trainable", "dtype", "init_values", "projection_dim"]
                if let extra = header.config.keys.sorted().first(where: { !own.contains($0) }) {
                    throw s.unsupported(extra, header.config[extra], expected: "only ConvNeXt LayerScale's init_values and projection_dim")
                }
            }
            spec = .layerScale(
                initValues: try s.number("init_values", default: 1e-6),
                projectionDim: try s.positiveInt(s.value("projection_dim"), "projection_dim"))
        case "SimpleRNN", "LSTM", "GRU":
            spec = try recurrentLayer(header.className, s)
        case "Bidirectional":
            spec = try bidirectionalLayer(s, source: source)
        case "TimeDistributed":
            spec = try timeDistributedLayer(s, source: source)
        case "Lambda":
            throw KerasFormatError.lambdaLayer(file: source, layer: header.name)
        default:
            throw KerasFormatError.unsupportedLayer(file: source, layer: header.name, className: header.className)
        }
        return KerasLayerConfig(name: header.name, className: header.className, spec: spec, kernelLayout: layout)
    }

    /// The Keras class name and config a Keras of `flavor` writes for `spec` (without the layer's name, trainable
    /// flag and dtype, which the writer adds).
    static func keras(_ spec: LayerSpec, flavor: KerasFlavor) -> (className: String, config: [String: Any]) {
        func initializer(_ className: String) -> [String: Any] {
            let config: [String: Any] = ["Zeros", "Ones"].contains(className) ? [:] : ["seed": NSNull()]
            return ["module": "keras.initializers", "class_name": className, "config": config, "registered_name": NSNull()]
        }
        let nulls: [String: Any] = [
            "kernel_regularizer": NSNull(), "bias_regularizer": NSNull(), "activity_regularizer": NSNull(), "kernel_constraint": NSNull(),
            "bias_constraint": NSNull(),
        ]
        func edges(_ t: Int, _ b: Int, _ l: Int, _ r: Int) -> [[Int]] { [[t, b], [l, r]] }
        switch spec {
        case .dense(let units, let activation, let useBias):
            return (
                "Dense",
                nulls.merging([
                    "units": units, "activation": activationName(activation, flavor: flavor), "use_bias": useBias,
                    "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
                ]) { $1 }
            )
        case .conv2D(
            let filters, let kh, let kw, let sh, let sw, let padding, let activation, let useBias, let format, let dh, let dw, let groups):
            return (
                "Conv2D",
                nulls.merging([
                    "filters": filters, "kernel_size": [kh, kw], "strides": [sh, sw], "padding": padding.rawValue,
                    "data_format": format.rawValue, "dilation_rate": [dh, dw], "groups": groups,
                    "activation": activationName(activation, flavor: flavor),
                    "use_bias": useBias, "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
                ]) { $1 }
            )
        case .maxPool2D(let ph, let pw, let sh, let sw, let padding, let format):
            return (
                "MaxPooling2D", ["pool_size": [ph, pw], "strides": [sh, sw], "padding": padding.rawValue, "data_format": format.rawValue]
            )
        case .averagePool2D(let ph, let pw, let sh, let sw, let padding, let format):
            return (
                "AveragePooling2D",
                ["pool_size": [ph, pw], "strides": [sh, sw], "padding": padding.rawValue, "data_format": format.rawValue]
            )
        case .globalAveragePool2D(let format, let keep):
            return ("GlobalAveragePooling2D", ["data_format": format.rawValue, "keepdims": keep])
        case .globalMaxPool2D(let format, let keep):
            return ("GlobalMaxPooling2D", ["data_format": format.rawValue, "keepdims": keep])
        case .cropping2D(let t, let b, let l, let r, let format):
            return ("Cropping2D", ["cropping": edges(t, b, l, r), "data_format": format.rawValue])
        case .zeroPadding2D(let t, let b, let l, let r, let format):
            return ("ZeroPadding2D", ["padding": edges(t, b, l, r), "data_format": format.rawValue])
        case .flatten(let format):
            return ("Flatten", ["data_format": format.rawValue])
        case .reshape(let target):
            return ("Reshape", ["target_shape": target])
        case .permute(let dims):
            return ("Permute", ["dims": dims])
        case .dropout(let rate):
            return ("Dropout", ["rate": rate, "seed": NSNull(), "noise_shape": NSNull()])
        case .activation(let activation):
            return ("Activation", ["activation": activationName(activation, flavor: flavor)])
        case .leakyReLU(let alpha):
            return ("LeakyReLU", [flavor == .keras3 ? "negative_slope" : "alpha": alpha])
        case .batchNormalization(let axis, let epsilon, let center, let scale):
            return (
                "BatchNormalization",
                [
                    "axis": axis, "epsilon": epsilon, "center": center, "scale": scale, "momentum": 0.99,
                    "beta_initializer": initializer("Zeros"), "gamma_initializer": initializer("Ones"),
                    "moving_mean_initializer": initializer("Zeros"), "moving_variance_initializer": initializer("Ones"),
                    "beta_regularizer": NSNull(), "gamma_regularizer": NSNull(), "beta_constraint": NSNull(), "gamma_constraint": NSNull(),
                ]
            )
        case .merge(let operation):
            return (operation.rawValue, [:])
        case .concatenate(let axis):
            return ("Concatenate", ["axis": axis])
        case .depthwiseConv2D(
            let kh, let kw, let multiplier, let sh, let sw, let dh, let dw, let padding, let activation, let useBias, let format):
            let depthwiseNulls = [
                "depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint",
            ]
            return (
                "DepthwiseConv2D",
                Dictionary(uniqueKeysWithValues: depthwiseNulls.map { ($0, NSNull() as Any) }).merging([
                    "kernel_size": [kh, kw], "depth_multiplier": multiplier, "strides": [sh, sw], "dilation_rate": [dh, dw],
                    "padding": padding.rawValue, "data_format": format.rawValue, "activation": activation.rawValue, "use_bias": useBias,
                    "depthwise_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
                ]) { $1 }
            )
        case .separableConv2D(
            let filters, let kh, let kw, let multiplier, let sh, let sw, let dh, let dw, let padding, let activation, let useBias,
            let format):
            let separableNulls = [
                "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint",
                "pointwise_constraint", "bias_constraint",
            ]
            return (
                "SeparableConv2D",
                Dictionary(uniqueKeysWithValues: separableNulls.map { ($0, NSNull() as Any) }).merging([
                    "filters": filters, "kernel_size": [kh, kw], "depth_multiplier": multiplier, "strides": [sh, sw],
                    "dilation_rate": [dh, dw], "padding": padding.rawValue, "data_format": format.rawValue,
                    "activation": activation.rawValue,
                    "use_bias": useBias, "depthwise_initializer": initializer("GlorotUniform"),
                    "pointwise_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
                ]) { $1 }
            )
        case .conv2DTranspose(
            let filters, let kh, let kw, let sh, let sw, let padding, let ph, let pw, let activation, let useBias, let format):
            let outputPadding: Any = ph.flatMap { h in pw.map { [h, $0] } } ?? NSNull()
            return (
                "Conv2DTranspose",
                nulls.merging([
                    "filters": filters, "kernel_size": [kh, kw], "strides": [sh, sw], "padding": padding.rawValue,
                    "output_padding": outputPadding, "data_format": format.rawValue, "dilation_rate": [1, 1],
                    "activation": activation.rawValue, "use_bias": useBias, "kernel_initializer": initializer("GlorotUniform"),
                    "bias_initializer": initializer("Zeros"),
                ]) { $1 }
            )
        case .conv1D(let filters, let k, let stride, let dilation, let padding, let groups, let activation, let useBias, let format):
            return (
                "Conv1D",
                nulls.merging([
                    "filters": filters, "kernel_size": [k], "strides": [stride], "padding": padding.rawValue,
                    "data_format": format.rawValue,
                    "dilation_rate": [dilation], "groups": groups, "activation": activation.rawValue, "use_bias": useBias,
                    "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
                ]) { $1 }
            )
        case .maxPool1D(let size, let stride, let padding, let format):
            return (
                "MaxPooling1D", ["pool_size": [size], "strides": [stride], "padding": padding.rawValue, "data_format": format.rawValue]
            )
        case .averagePool1D(let size, let stride, let padding, let format):
            return (
                "AveragePooling1D", ["pool_size": [size], "strides": [stride], "padding": padding.rawValue, "data_format": format.rawValue]
            )
        case .globalAveragePool1D(let format, let keep):
            return ("GlobalAveragePooling1D", ["data_format": format.rawValue, "keepdims": keep])
        case .globalMaxPool1D(let format, let keep):
            return ("GlobalMaxPooling1D", ["data_format": format.rawValue, "keepdims": keep])
        case .upSampling2D(let sh, let sw, let interpolation, let format):
            return ("UpSampling2D", ["size": [sh, sw], "interpolation": interpolation.rawValue, "data_format": format.rawValue])
        case .upSampling1D(let size):
            return ("UpSampling1D", ["size": size])
        case .zeroPadding1D(let left, let right, let format):
            // tf.keras' ZeroPadding1D takes no data_format (Keras 3 added it).
            let config: [String: Any] = ["padding": [left, right]]
            return ("ZeroPadding1D", flavor == .keras3 ? config.merging(["data_format": format.rawValue]) { $1 } : config)
        case .cropping1D(let left, let right):
            return ("Cropping1D", ["cropping": [left, right]])
        case .layerNormalization(let axes, let epsilon, let center, let scale):
            var config: [String: Any] = [
                "axis": axes.count == 1 ? axes[0] as Any : axes, "epsilon": epsilon, "center": center, "scale": scale,
                "beta_initializer": initializer("Zeros"), "gamma_initializer": initializer("Ones"), "beta_regularizer": NSNull(),
                "gamma_regularizer": NSNull(), "beta_constraint": NSNull(), "gamma_constraint": NSNull(),
            ]
            if flavor == .keras3 { config["rms_scaling"] = false }
            return ("LayerNormalization", config)
        case .rescaling(let scale, let offset):
            return ("Rescaling", ["scale": scale, "offset": offset])
        case .normalization(let axes, let mean, let variance, let invert):
            func values(_ v: [Double]?) -> Any { v.map { $0.count == 1 ? $0[0] as Any : $0 } ?? NSNull() }
            return ("Normalization", ["axis": axes, "mean": values(mean), "variance": values(variance), "invert": invert])
        case .relu(let maxValue, let slope, let threshold):
            return ("ReLU", ["max_value": maxValue.map { $0 as Any } ?? NSNull(), "negative_slope": slope, "threshold": threshold])
        case .prelu(let shared):
            return (
                "PReLU",
                [
                    "shared_axes": shared.isEmpty ? NSNull() as Any : shared, "alpha_initializer": initializer("Zeros"),
                    "alpha_regularizer": NSNull(),
                    "alpha_constraint": NSNull(),
                ]
            )
        case .elu(let alpha):
            return ("ELU", ["alpha": alpha])
        case .softmax(let axes):
            return ("Softmax", ["axis": axes.count == 1 ? axes[0] as Any : axes])
        case .embedding(let inputDim, let outputDim):
            var uniform = initializer("RandomUniform")
            uniform["config"] = ["minval": -0.05, "maxval": 0.05, "seed": NSNull()] as [String: Any]
            var config: [String: Any] = [
                "input_dim": inputDim, "output_dim": outputDim, "embeddings_initializer": uniform, "embeddings_regularizer": NSNull(),
                "activity_regularizer": NSNull(), "embeddings_constraint": NSNull(), "mask_zero": false,
            ]
            if flavor == .keras2 { config["input_length"] = NSNull() }
            return ("Embedding", config)
        case .repeatVector(let n):
            return ("RepeatVector", ["n": n])
        case .inferenceIdentity(let kind):
            switch kind {
            case .spatialDropout(let rank, let rate, let format):
                var config: [String: Any] = ["rate": rate, "seed": NSNull()]
                if let format { config["data_format"] = format.rawValue }
                return ("SpatialDropout\(rank)D", config)
            case .gaussianNoise(let stddev):
                return ("GaussianNoise", ["stddev": stddev, "seed": NSNull()])
            case .gaussianDropout(let rate):
                return ("GaussianDropout", ["rate": rate, "seed": NSNull()])
            case .alphaDropout(let rate):
                return ("AlphaDropout", ["rate": rate, "seed": NSNull(), "noise_shape": NSNull()])
            case .activityRegularization(let l1, let l2):
                return ("ActivityRegularization", ["l1": l1, "l2": l2])
            }
        case .layerScale(let initValues, let dim):
            return ("LayerScale", ["init_values": initValues, "projection_dim": dim])
        case .simpleRNN, .lstm, .gru:
            return recurrentKeras(spec, flavor: flavor)
        case .bidirectional(let forward, let backward, let merge):
            let stem = KerasLayerConfig.snakeCase(keras(forward, flavor: flavor).className)
            return (
                "Bidirectional",
                [
                    "merge_mode": merge.rawValue, "layer": wrappedKeras(forward, name: "forward_" + stem, flavor: flavor),
                    "backward_layer": wrappedKeras(backward, name: "backward_" + stem, flavor: flavor),
                ]
            )
        case .timeDistributed(let inner):
            let stem = KerasLayerConfig.snakeCase(keras(inner, flavor: flavor).className)
            return ("TimeDistributed", ["layer": wrappedKeras(inner, name: stem, flavor: flavor)])
        }
    }

    /// A Keras 3 operation node on one tensor and one number as an elementwise rescaling: `Add` (`x + c`),
    /// `Subtract` (`x - c`, `c - x`), `Multiply` (`x * c`); nil for anything else.
    static func scalarOperation(_ className: String, constant c: Double, constantFirst: Bool) -> LayerSpec? {
        switch className {
        case "Add": return .rescaling(scale: 1, offset: c)
        case "Subtract": return constantFirst ? .rescaling(scale: -1, offset: c) : .rescaling(scale: 1, offset: -c)
        case "Multiply": return .rescaling(scale: c, offset: 0)
        default: return nil
        }
    }

    /// Keras' names for a layer's weights, in order (`kernel`, `bias`; `gamma`, `beta`, `moving_mean`, ...).
    static func weightNames(_ spec: LayerSpec) -> [String] {
        switch spec {
        case .dense(_, _, let useBias), .conv2D(_, _, _, _, _, _, _, let useBias, _, _, _, _):
            return useBias ? ["kernel", "bias"] : ["kernel"]
        case .batchNormalization(_, _, let center, let scale):
            return (scale ? ["gamma"] : []) + (center ? ["beta"] : []) + ["moving_mean", "moving_variance"]
        case .depthwiseConv2D(_, _, _, _, _, _, _, _, _, let useBias, _), .conv2DTranspose(_, _, _, _, _, _, _, _, _, let useBias, _),
            .conv1D(_, _, _, _, _, _, _, let useBias, _):
            return useBias ? ["kernel", "bias"] : ["kernel"]
        case .separableConv2D(_, _, _, _, _, _, _, _, _, _, let useBias, _):
            return ["depthwise_kernel", "pointwise_kernel"] + (useBias ? ["bias"] : [])
        case .layerNormalization(_, _, let center, let scale): return (scale ? ["gamma"] : []) + (center ? ["beta"] : [])
        case .normalization(_, let mean, _, _): return mean == nil ? ["mean", "variance", "count"] : []
        case .prelu: return ["alpha"]
        case .embedding: return ["embeddings"]
        case .layerScale: return ["variable"]
        case .simpleRNN, .lstm, .gru: return recurrentWeightNames(spec)
        case .bidirectional(let forward, let backward, _):
            return weightNames(forward).map { "forward_layer/" + $0 } + weightNames(backward).map { "backward_layer/" + $0 }
        case .timeDistributed(let inner): return weightNames(inner)
        default: return []
        }
    }
}
