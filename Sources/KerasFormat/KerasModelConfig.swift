import Foundation
import ModelSpec
import SafeIO

/// A Keras model architecture, as read from `model_config` JSON (or a YAML/JSON architecture file): the model's
/// layers in the shared vocabulary, with their Keras annotations, and how they connect.
///
/// Sequential models (a dict with `layers`, or a bare list for Keras 1 and Keras <= 2.2.2) and Functional/Model
/// graphs of any DAG shape in every config dialect (Keras 1 and 2 `inbound_nodes` lists, Keras 3 `keras_history`):
/// several inputs and outputs, layers called more than once, `InputLayer`s anywhere in the list. A Sequential or
/// Model nested as a layer is inlined (its layers keep the nested model's name as their weight group). Layer kinds
/// and Keras 1 synonyms are mapped in `KerasLayerMapping`; anything else is refused by name (a Lambda layer's code is
/// never run or interpreted).
public struct KerasModelConfig: Sendable, Hashable {
    /// A model input: the InputLayer's name and, when the file says, the shape of one example.
    public struct Input: Sendable, Hashable {
        public var name: String
        public var shape: [Int]?
        public init(name: String, shape: [Int]?) {
            self.name = name
            self.shape = shape
        }
    }

    /// `Sequential` or `Functional` (`Model` in old files is reported as written).
    public var className: String
    /// The model's name.
    public var name: String
    /// The model's inputs, in `input_layers` order.
    public var inputs: [Input]
    /// Every layer once, in the order the file lists them (nested models' layers in place of the nested model).
    public var layers: [KerasLayerConfig]
    /// The layer calls in topological order (`ModelGraph.Node`, indices into `layers` and `inputs`).
    public var nodes: [ModelGraph.Node]
    /// The model's outputs, in `output_layers` order.
    public var outputs: [ModelGraph.TensorRef]

    public init(
        className: String, name: String, inputs: [Input], layers: [KerasLayerConfig], nodes: [ModelGraph.Node],
        outputs: [ModelGraph.TensorRef]
    ) {
        self.className = className
        self.name = name
        self.inputs = inputs
        self.layers = layers
        self.nodes = nodes
        self.outputs = outputs
    }

    /// A Sequential model: `layers` called in order on one input.
    public init(sequential name: String, inputName: String = "input_layer", inputShape: [Int]?, layers: [KerasLayerConfig]) {
        self.init(
            className: "Sequential", name: name, inputs: [Input(name: inputName, shape: inputShape)], layers: layers,
            nodes: layers.indices.map { ModelGraph.Node(layer: $0, inputs: [$0 == 0 ? .input(0) : .node($0 - 1)]) },
            outputs: [layers.isEmpty ? .input(0) : .node(layers.count - 1)])
    }

    /// The first input's example shape, when the file states it.
    public var inputShape: [Int]? { inputs.first?.shape }

    /// The checked model graph, with `inputShapes` standing in for shapes the file does not state. Throws
    /// `KerasFormatError.invalidModel` (keeping the `ModelSpecError`) when a layer cannot take its inputs, and
    /// `.invalidConfig` when an input shape is unknown.
    public func graph(source: String, inputShapes: [[Int]]? = nil) throws -> ModelGraph {
        let shapes = try inputs.enumerated().map { index, input -> [Int] in
            guard let shape = input.shape ?? inputShapes?[index] else {
                throw KerasFormatError.invalidConfig(
                    file: source,
                    reason: "input '\(input.name)' has no shape (batch_shape/batch_input_shape), so weight shapes are unknown")
            }
            return shape
        }
        do {
            return try ModelGraph(
                inputs: zip(inputs, shapes).map { ModelGraph.Input(name: $0.name, shape: $1) },
                layers: layers.map { ModelGraph.Layer(name: $0.name, spec: $0.spec) }, nodes: nodes, outputs: outputs)
        } catch let error as ModelSpecError {
            throw KerasFormatError.invalidModel(file: source, cause: error)
        }
    }

    /// Parses `model_config` JSON. `source` names the file in errors. Throws `KerasFormatError` for JSON over
    /// `limits.maxConfigBytes` or nested deeper than `limits.maxConfigDepth`, JSON that is not a model, unsupported
    /// model or layer classes or settings, and malformed graphs. `kerasVersion` is the file's `keras_version` (from
    /// its attributes or archive metadata); without it the JSON's own `keras_version`, or Keras 3's `module` keys,
    /// decide, and a config with neither is read as Keras 1/2 wrote it.
    public static func parse(json: Data, source: String, limits: ResourceLimits = .default, kerasVersion: String? = nil) throws
        -> KerasModelConfig
    {
        guard json.count <= limits.maxConfigBytes else {
            throw KerasFormatError.invalidConfig(
                file: source,
                reason: "is " + ResourceLimits.overLimit(json.count, limit: limits.maxConfigBytes, unit: "bytes"))
        }
        try checkNesting(json, source: source, limit: limits.maxConfigDepth)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
        } catch {
            // Say why (a number out of range such as 1e400, a stray byte, ...) from the parser's own words.
            let detail = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String).map { " (\($0.printable(limit: 80)))" } ?? ""
            throw KerasFormatError.invalidConfig(file: source, reason: "is not valid JSON\(detail)")
        }
        return try parse(object: object, source: source, format: "JSON", kerasVersion: kerasVersion, limits: limits)
    }

    /// Parses a decoded configuration (`{"class_name": ..., "config": ...}`), from JSON or YAML.
    static func parse(object: Any, source: String, format: String, kerasVersion: String? = nil, limits: ResourceLimits = .default) throws
        -> KerasModelConfig
    {
        guard let top = object as? [String: Any] else {
            throw KerasFormatError.invalidConfig(
                file: source, reason: "is a \(format) \(jsonKind(object)), expected an object with class_name and config")
        }
        guard let className = top["class_name"] as? String else {
            throw KerasFormatError.invalidConfig(file: source, reason: "has no class_name, so it is not a Keras model")
        }
        var parser = ConfigParser(source: source)
        parser.maxLayers = limits.maxLayers
        // Keras 3 writes `module` beside every class name (and no keras_version in `to_json()`).
        parser.kerasVersion = kerasVersion ?? top["keras_version"] as? String ?? (top["module"] is String ? "3" : nil)
        switch className {
        case "Sequential":
            return try parser.sequential(top["config"])
        case "Functional", "Model":
            return try parser.functional(top["config"], className: className)
        default:
            throw KerasFormatError.unsupportedModel(file: source, className: className)
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
                    throw KerasFormatError.invalidConfig(file: source, reason: "is nested deeper than \(limit) levels")
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
