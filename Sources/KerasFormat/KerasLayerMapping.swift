import Foundation
import ModelSpec

/// The one mapping between Keras layer classes and the layer vocabulary, in both directions: a class and its
/// config (any Keras version, Keras 1 synonyms included) to a `LayerSpec`, and a `LayerSpec` to the class and
/// config Keras 2 or 3 writes.
enum KerasLayerMapping {
    /// Reads a layer's settings, with the file's name and the layer's for error messages.
    struct Settings {
        let config: [String: Any]
        let layer: String
        let source: String

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
            .unsupportedSetting(source: source, layer: layer, setting: setting, value: "\(value ?? "nothing")", expected: expected)
        }

        func positiveInt(_ value: Any?, _ setting: String) throws -> Int {
            guard let number = value as? NSNumber, let int = Int(exactly: number.doubleValue), int > 0, int <= 1 << 31 else {
                throw unsupported(setting, value, expected: "a positive integer")
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
            guard let number = (raw as? NSNumber)?.doubleValue, number.isFinite else { throw unsupported(setting, raw, expected: "a number") }
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
            } else if let dict = raw as? [String: Any], let s = dict["class_name"] as? String, dict["module"] as? String == "keras.activations" {
                name = (dict["config"] as? String) ?? s
            } else {
                throw unsupported(key, "a JSON \(jsonKind(raw))", expected: activationList)
            }
            guard let activation = Activation(rawValue: name) else { throw unsupported(key, "'\(name)'", expected: activationList) }
            return activation
        }

        var activationList: String { "one of " + Activation.allCases.map(\.rawValue).joined(separator: ", ") }

        func padding() throws -> Padding {
            let raw = value("padding", "border_mode") as? String ?? "valid"
            guard let padding = Padding(rawValue: raw.lowercased()) else { throw unsupported("padding", "'\(raw)'", expected: "valid or same") }
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
    static func layer(_ header: ConfigParser.LayerHeader, source: String) throws -> KerasLayerConfig {
        let s = Settings(header.config, layer: header.name, source: source)
        var layout = KerasKernelLayout.hwio
        let spec: LayerSpec
        switch header.className {
        case "Conv2D", "Convolution2D":
            if let dilation = s.value("dilation_rate"), try s.intPair(dilation, "dilation_rate") != [1, 1] {
                throw s.unsupported("dilation_rate", dilation, expected: "[1, 1]")
            }
            if let groups = s.value("groups"), (groups as? NSNumber)?.intValue != 1 { throw s.unsupported("groups", groups, expected: "1") }
            let kernel: [Int]
            if let size = s.value("kernel_size") {
                kernel = try s.intPair(size, "kernel_size")
            } else {
                // Keras 1: nb_row, nb_col.
                kernel = [try s.positiveInt(s.value("nb_row"), "kernel_size (nb_row)"), try s.positiveInt(s.value("nb_col"), "kernel_size (nb_col)")]
            }
            let format = try s.dataFormat()
            // Keras 1 (nb_filter) with dim_ordering th stored kernels (out, in, h, w).
            if header.config["nb_filter"] != nil, format == .channelsFirst { layout = .oihw }
            let strides = try s.intPair(s.value("strides", "subsample") ?? [1, 1], "strides")
            spec = .conv2D(
                filters: try s.positiveInt(s.value("filters", "nb_filter"), "filters"), kernelHeight: kernel[0], kernelWidth: kernel[1],
                strideHeight: strides[0], strideWidth: strides[1], padding: try s.padding(), activation: try s.activation(),
                useBias: s.bool("use_bias", "bias", default: true), dataFormat: format)
        case "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D":
            let pool = try s.intPair(s.value("pool_size") ?? [2, 2], "pool_size")
            let strides = try s.value("strides").map { try s.intPair($0, "strides") } ?? pool
            let (padding, format) = (try s.padding(), try s.dataFormat())
            spec =
                header.className.hasPrefix("Max")
                ? .maxPool2D(poolHeight: pool[0], poolWidth: pool[1], strideHeight: strides[0], strideWidth: strides[1], padding: padding, dataFormat: format)
                : .averagePool2D(
                    poolHeight: pool[0], poolWidth: pool[1], strideHeight: strides[0], strideWidth: strides[1], padding: padding, dataFormat: format)
        case "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAvgPool2D", "GlobalMaxPool2D":
            if s.bool("keepdims", default: false) { throw s.unsupported("keepdims", true, expected: "false") }
            let format = try s.dataFormat()
            spec = header.className.hasPrefix("GlobalMax") ? .globalMaxPool2D(dataFormat: format) : .globalAveragePool2D(dataFormat: format)
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
            spec = .reshape(try target.map { try s.positiveInt($0, "target_shape") })
        case "Permute":
            guard let dims = s.value("dims") as? [Any], !dims.isEmpty else {
                throw s.unsupported("dims", header.config["dims"], expected: "a permutation of 1...n")
            }
            let values = try dims.map { try s.positiveInt($0, "dims") }
            guard values.sorted() == Array(1...values.count) else { throw s.unsupported("dims", values, expected: "a permutation of 1...\(values.count)") }
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
            let axis = (s.value("axis") as? NSNumber)?.intValue ?? -1
            guard axis == -1 else { throw s.unsupported("axis", axis, expected: "-1 (the last axis)") }
            spec = .activation(.softmax)
        case "ReLU":
            let maxValue = s.value("max_value")
            let (slope, threshold) = (try s.number("negative_slope", default: 0), try s.number("threshold", default: 0))
            guard maxValue == nil, slope == 0, threshold == 0 else {
                throw s.unsupported(
                    "max_value/negative_slope/threshold", "\(maxValue ?? "null")/\(slope)/\(threshold)", expected: "null/0/0 (a plain ReLU)")
            }
            spec = .activation(.relu)
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
        case "SimpleRNN", "LSTM", "GRU":
            spec = try recurrentLayer(header.className, s)
        case "Bidirectional":
            spec = try bidirectionalLayer(s, source: source)
        case "TimeDistributed":
            spec = try timeDistributedLayer(s, source: source)
        case "Lambda":
            throw KerasFormatError.lambdaLayer(source: source, layer: header.name)
        default:
            throw KerasFormatError.unsupportedLayer(source: source, layer: header.name, className: header.className)
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
                    "units": units, "activation": activation.rawValue, "use_bias": useBias,
                    "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
                ]) { $1 }
            )
        case .conv2D(let filters, let kh, let kw, let sh, let sw, let padding, let activation, let useBias, let format):
            return (
                "Conv2D",
                nulls.merging([
                    "filters": filters, "kernel_size": [kh, kw], "strides": [sh, sw], "padding": padding.rawValue,
                    "data_format": format.rawValue, "dilation_rate": [1, 1], "groups": 1, "activation": activation.rawValue,
                    "use_bias": useBias, "kernel_initializer": initializer("GlorotUniform"), "bias_initializer": initializer("Zeros"),
                ]) { $1 }
            )
        case .maxPool2D(let ph, let pw, let sh, let sw, let padding, let format):
            return ("MaxPooling2D", ["pool_size": [ph, pw], "strides": [sh, sw], "padding": padding.rawValue, "data_format": format.rawValue])
        case .averagePool2D(let ph, let pw, let sh, let sw, let padding, let format):
            return ("AveragePooling2D", ["pool_size": [ph, pw], "strides": [sh, sw], "padding": padding.rawValue, "data_format": format.rawValue])
        case .globalAveragePool2D(let format):
            return ("GlobalAveragePooling2D", ["data_format": format.rawValue, "keepdims": false])
        case .globalMaxPool2D(let format):
            return ("GlobalMaxPooling2D", ["data_format": format.rawValue, "keepdims": false])
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
            return ("Activation", ["activation": activation.rawValue])
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

    /// Keras' names for a layer's weights, in order (`kernel`, `bias`; `gamma`, `beta`, `moving_mean`, ...).
    static func weightNames(_ spec: LayerSpec) -> [String] {
        switch spec {
        case .dense(_, _, let useBias), .conv2D(_, _, _, _, _, _, _, let useBias, _): return useBias ? ["kernel", "bias"] : ["kernel"]
        case .batchNormalization(_, _, let center, let scale):
            return (scale ? ["gamma"] : []) + (center ? ["beta"] : []) + ["moving_mean", "moving_variance"]
        case .simpleRNN, .lstm, .gru: return recurrentWeightNames(spec)
        case .bidirectional(let forward, let backward, _):
            return weightNames(forward).map { "forward_layer/" + $0 } + weightNames(backward).map { "backward_layer/" + $0 }
        case .timeDistributed(let inner): return weightNames(inner)
        default: return []
        }
    }
}
