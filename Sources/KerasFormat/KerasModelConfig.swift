import Foundation
import SafeIO

/// A Keras model architecture, as read from the `model_config` JSON of an `.h5` file.
///
/// Supported: `Sequential` (config as a dict with `layers`, or as a bare list for Keras 1 and Keras <= 2.2.2) and
/// `Functional`/`Model` graphs that are simple chains; a Sequential or Model nested as a layer is inlined (its
/// layers keep the nested model's name as their weight group). Keras 1 keys (`nb_filter`, `nb_row`, `border_mode`,
/// `subsample`, `dim_ordering`, `output_dim`, `p`) are read as their Keras 2 equivalents. Layers: InputLayer,
/// Conv2D/Convolution2D, Max/AveragePooling2D, GlobalMax/GlobalAveragePooling2D, Cropping2D, ZeroPadding2D,
/// Flatten, Reshape, Permute, Dense, Dropout, Activation, Softmax, ReLU, LeakyReLU, BatchNormalization; channels
/// first or last. Anything else is refused with an error naming the layer and its class; a Lambda layer's code
/// is never executed or interpreted.
public struct KerasModelConfig: Sendable, Equatable {
    /// `Sequential` or `Functional` (`Model` in old files is reported as written).
    public var className: String
    /// The model's name.
    public var name: String
    /// Input shape without the batch dimension, e.g. `[28, 28, 1]`; nil when the file does not say.
    public var inputShape: [Int]?
    /// The layers in order, without the InputLayer.
    public var layers: [KerasLayerConfig]
    /// The InputLayer's name when the file has one (Functional models list it among their weight groups).
    public var inputLayerName: String?

    public init(className: String, name: String, inputShape: [Int]?, layers: [KerasLayerConfig], inputLayerName: String? = nil) {
        self.className = className
        self.name = name
        self.inputShape = inputShape
        self.layers = layers
        self.inputLayerName = inputLayerName
    }

    /// Parses `model_config` JSON. `source` names the file in errors. Throws `KerasFormatError` for JSON over
    /// `limits.maxConfigBytes` or nested deeper than `limits.maxConfigDepth`, JSON that is not a model,
    /// unsupported model or layer classes, unsupported settings and branching graphs.
    public static func parse(json: Data, source: String, limits: ResourceLimits = .default) throws -> KerasModelConfig {
        guard json.count <= limits.maxConfigBytes else {
            throw KerasFormatError.invalidConfig(
                source: source,
                reason: "is \(json.count) bytes, over the limit of \(limits.maxConfigBytes) bytes")
        }
        try checkNesting(json, source: source, limit: limits.maxConfigDepth)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
        } catch {
            throw KerasFormatError.invalidConfig(source: source, reason: "is not valid JSON")
        }
        return try parse(object: object, source: source, format: "JSON")
    }

    /// Parses a decoded configuration (`{"class_name": ..., "config": ...}`), from JSON or YAML.
    static func parse(object: Any, source: String, format: String) throws -> KerasModelConfig {
        guard let top = object as? [String: Any] else {
            throw KerasFormatError.invalidConfig(
                source: source, reason: "is a \(format) \(jsonKind(object)), expected an object with class_name and config")
        }
        guard let className = top["class_name"] as? String else {
            throw KerasFormatError.invalidConfig(source: source, reason: "has no class_name, so it is not a Keras model")
        }
        var parser = ConfigParser(source: source)
        switch className {
        case "Sequential":
            return try parser.sequential(top["config"])
        case "Functional", "Model":
            return try parser.functional(top["config"], className: className)
        default:
            throw KerasFormatError.unsupportedModel(source: source, className: className)
        }
    }

    /// Rejects JSON nested deeper than `limit` before handing it to the recursive parser.
    private static func checkNesting(_ json: Data, source: String, limit: Int) throws {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in json {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit {
                    throw KerasFormatError.invalidConfig(source: source, reason: "is nested deeper than \(limit) levels")
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
    }
}

func jsonKind(_ value: Any?) -> String {
    switch value {
    case nil, is NSNull: return "null"
    case is String: return "string"
    case is [Any]: return "array"
    case is [String: Any]: return "object"
    case is NSNumber: return "number"
    default: return "value"
    }
}
