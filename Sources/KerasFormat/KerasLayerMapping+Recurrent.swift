import Foundation
import ModelSpec

/// The Keras mapping of the recurrent layers (`SimpleRNN`, `LSTM`, `GRU`) and of the wrappers `Bidirectional` and
/// `TimeDistributed`, whose configs hold another layer's config. Called from `KerasLayerMapping`'s switches.
extension KerasLayerMapping {
    // MARK: Reading

    /// `SimpleRNN`/`LSTM`/`GRU` from any Keras 2+ config. Refuses what changes the output beyond one tensor or needs
    /// state across calls: `return_state`, `stateful`, `time_major`; and Keras 1 configs (`output_dim`), whose
    /// weights are laid out per gate.
    static func recurrentLayer(_ className: String, _ s: Settings) throws -> LayerSpec {
        guard s.value("units") != nil else {
            throw s.unsupported(
                "units", s.value("output_dim").map { "output_dim \($0) (Keras 1)" }, expected: "units (a Keras 2 or later config)")
        }
        let units = try s.positiveInt(s.value("units"), "units")
        for setting in ["return_state", "stateful", "time_major"] where s.bool(setting, default: false) {
            throw s.unsupported(setting, true, expected: "false (one output tensor, no state kept between calls)")
        }
        let activation = s.config["activation"] == nil ? Activation.tanh : try s.activation()
        let recurrentActivation = s.config["recurrent_activation"] == nil ? Activation.sigmoid : try s.activation("recurrent_activation")
        let useBias = s.bool("use_bias", default: true)
        let sequences = s.bool("return_sequences", default: false)
        let backwards = s.bool("go_backwards", default: false)
        switch className {
        case "SimpleRNN":
            return .simpleRNN(units: units, activation: activation, useBias: useBias, returnSequences: sequences, goBackwards: backwards)
        case "LSTM":
            return .lstm(
                units: units, activation: activation, recurrentActivation: recurrentActivation, useBias: useBias,
                returnSequences: sequences,
                goBackwards: backwards)
        default:
            return .gru(
                units: units, activation: activation, recurrentActivation: recurrentActivation, useBias: useBias,
                resetAfter: s.bool("reset_after", default: false), returnSequences: sequences, goBackwards: backwards)
        }
    }

    /// `Bidirectional`: `layer` (the forward layer) and `backward_layer` (Keras 3 always writes it; Keras 2 only when
    /// given, else the forward layer run the other way). `merge_mode=None` is refused: it returns two tensors.
    static func bidirectionalLayer(_ s: Settings, source: String) throws -> LayerSpec {
        let rawMode = s.value("merge_mode")
        guard let name = rawMode as? String, let merge = BidirectionalMerge(rawValue: name) else {
            throw s.unsupported(
                "merge_mode", rawMode.map { "\($0)" } ?? "None", expected: "concat, sum, mul or ave (None returns two tensors)")
        }
        let forward = try wrappedLayer(s, key: "layer", source: source)
        guard let recurrence = forward.recurrence else {
            throw s.unsupported(
                "layer", "a \(KerasLayerMapping.keras(forward, flavor: .keras3).className)", expected: "SimpleRNN, LSTM or GRU")
        }
        let backward: LayerSpec
        if s.value("backward_layer") != nil {
            backward = try wrappedLayer(s, key: "backward_layer", source: source)
            guard backward.recurrence != nil else {
                throw s.unsupported(
                    "backward_layer", "a \(KerasLayerMapping.keras(backward, flavor: .keras3).className)",
                    expected: "SimpleRNN, LSTM or GRU")
            }
        } else {
            backward = forward.withGoBackwards(!recurrence.goBackwards)
        }
        return .bidirectional(forward: forward, backward: backward, merge: merge)
    }

    /// `TimeDistributed(layer)`: the inner layer's config, read as any layer is.
    static func timeDistributedLayer(_ s: Settings, source: String) throws -> LayerSpec {
        let inner = try wrappedLayer(s, key: "layer", source: source)
        guard inner.inputArity == 1...1 else { throw s.unsupported("layer", "a merge layer", expected: "a single-input layer") }
        return .timeDistributed(inner)
    }

    /// The layer a wrapper's `key` holds (`{"class_name", "config", "module"?, "registered_name"?}`), with the same
    /// refusals of custom code as a top-level layer.
    private static func wrappedLayer(_ s: Settings, key: String, source: String) throws -> LayerSpec {
        guard let entry = s.value(key) as? [String: Any], let className = entry["class_name"] as? String else {
            throw s.unsupported(key, "a JSON \(jsonKind(s.value(key)))", expected: "a layer config with class_name and config")
        }
        let config = entry["config"] as? [String: Any] ?? [:]
        let name = config["name"] as? String ?? "\(s.layer)/\(key)"
        if let module = entry["module"] as? String, !(module == "keras" || module.hasPrefix("keras.") || module.hasPrefix("tf_keras")) {
            throw s.unsupported(
                "\(key).module", "'\(module)'", expected: "a Keras module (keras.layers, ...); custom Python classes are never loaded")
        }
        if let registered = entry["registered_name"] as? String, registered != className {
            throw s.unsupported("\(key).registered_name", "'\(registered)'", expected: "null or '\(className)'")
        }
        let header = ConfigParser.LayerHeader(name: name, className: className, config: config)
        return try layer(header, source: source).spec
    }

    // MARK: Writing

    /// Keras' initializer object.
    private static func initializer(_ className: String) -> [String: Any] {
        let config: [String: Any] = className == "Zeros" ? [:] : ["seed": NSNull()]
        return ["module": "keras.initializers", "class_name": className, "config": config, "registered_name": NSNull()]
    }

    /// The class name and config Keras of `flavor` writes for a recurrent layer (without name, trainable and dtype).
    static func recurrentKeras(_ spec: LayerSpec, flavor: KerasFlavor) -> (className: String, config: [String: Any]) {
        guard let r = spec.recurrence else { preconditionFailure("recurrentKeras of a \(spec)") }
        var config: [String: Any] = [
            "units": r.units, "return_sequences": r.returnSequences, "return_state": false, "go_backwards": r.goBackwards,
            "stateful": false, "unroll": false, "kernel_initializer": initializer("GlorotUniform"),
            "recurrent_initializer": initializer("Orthogonal"), "bias_initializer": initializer("Zeros"), "kernel_regularizer": NSNull(),
            "recurrent_regularizer": NSNull(), "bias_regularizer": NSNull(), "activity_regularizer": NSNull(),
            "kernel_constraint": NSNull(), "recurrent_constraint": NSNull(), "bias_constraint": NSNull(), "dropout": 0.0,
            "recurrent_dropout": 0.0,
        ]
        switch flavor {
        case .keras3:
            config["seed"] = NSNull()
            config["zero_output_for_mask"] = false
        case .keras2:
            config["time_major"] = false
        }
        let className: String
        switch spec {
        case .simpleRNN(_, let activation, let useBias, _, _):
            className = "SimpleRNN"
            config["activation"] = activation.rawValue
            config["use_bias"] = useBias
        case .lstm(_, let activation, let recurrentActivation, let useBias, _, _),
            .gru(_, let activation, let recurrentActivation, let useBias, _, _, _):
            config["activation"] = activation.rawValue
            config["recurrent_activation"] = recurrentActivation.rawValue
            config["use_bias"] = useBias
            if flavor == .keras2 { config["implementation"] = 2 }
            if case .gru(_, _, _, _, let resetAfter, _, _) = spec {
                className = "GRU"
                config["reset_after"] = resetAfter
            } else {
                className = "LSTM"
                config["unit_forget_bias"] = true
            }
        default:
            preconditionFailure("recurrentKeras of a \(spec)")
        }
        return (className, config)
    }

    /// A wrapped layer's entry as Keras of `flavor` nests it in a wrapper's config, named `name`.
    static func wrappedKeras(_ spec: LayerSpec, name: String, flavor: KerasFlavor) -> [String: Any] {
        let (className, config) = keras(spec, flavor: flavor)
        let writer = ConfigWriter(flavor: flavor)
        var full = config.merging(["name": name, "trainable": true, "dtype": writer.dtypePolicy]) { $1 }
        if flavor == .keras3, spec.recurrence != nil { full["zero_output_for_mask"] = spec.recurrence!.returnSequences }
        switch flavor {
        case .keras3: return ["module": "keras.layers", "class_name": className, "config": full, "registered_name": NSNull()]
        case .keras2: return ["class_name": className, "config": full]
        }
    }

    /// Keras' variable names of a recurrent layer (`kernel`, `recurrent_kernel`, `bias`).
    static func recurrentWeightNames(_ spec: LayerSpec) -> [String] {
        ["kernel", "recurrent_kernel", "bias"].prefix(spec.weightCount).map { $0 }
    }

    /// Where a layer's variables sit below its saving-walk path in Keras 3 `.keras`/`.weights.h5` files, with how
    /// many each group holds: `vars` for plain layers, `cell/vars` for recurrent layers, `forward_layer/...` and
    /// `backward_layer/...` for `Bidirectional`, `layer/...` for `TimeDistributed`.
    static func variableGroups(_ spec: LayerSpec) -> [(path: String, count: Int)] {
        switch spec {
        case .simpleRNN, .lstm, .gru:
            return [("cell/vars", spec.weightCount)]
        case .bidirectional(let forward, let backward, _):
            return variableGroups(forward).map { ("forward_layer/" + $0.path, $0.count) }
                + variableGroups(backward).map { ("backward_layer/" + $0.path, $0.count) }
        case .timeDistributed(let inner):
            return variableGroups(inner).map { ("layer/" + $0.path, $0.count) }
        default:
            return spec.weightCount > 0 ? [("vars", spec.weightCount)] : []
        }
    }
}

extension LayerSpec {
    /// The same recurrent layer running the other way (other kinds unchanged).
    func withGoBackwards(_ backwards: Bool) -> LayerSpec {
        switch self {
        case .simpleRNN(let u, let a, let b, let s, _):
            return .simpleRNN(units: u, activation: a, useBias: b, returnSequences: s, goBackwards: backwards)
        case .lstm(let u, let a, let ra, let b, let s, _):
            return .lstm(units: u, activation: a, recurrentActivation: ra, useBias: b, returnSequences: s, goBackwards: backwards)
        case .gru(let u, let a, let ra, let b, let r, let s, _):
            return .gru(
                units: u, activation: a, recurrentActivation: ra, useBias: b, resetAfter: r, returnSequences: s, goBackwards: backwards)
        default: return self
        }
    }
}
