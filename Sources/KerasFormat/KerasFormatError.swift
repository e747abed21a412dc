import Foundation
import ModelSpec
import SafeIO

/// Errors from reading and writing Keras HDF5 model files. Each names the file (the `.h5`, or the configuration's file),
/// the layer or attribute concerned, what was found and what was expected. HDF5-level problems surface as
/// `HDF5Error`s.
public enum KerasFormatError: WeightBridgeError, Equatable {
    /// The HDF5 file has none of the Keras layouts (`model_config`, `model_weights/`, root `layer_names`, `layers/`).
    case notAKerasFile(file: String, found: String)
    /// `model_weights/` exists but the root has no `model_config` attribute.
    case missingModelConfig(file: String)
    /// The configuration JSON is malformed, not a model, or breaks a limit.
    case invalidConfig(file: String, reason: String)
    /// The model class is not one WeightBridge maps (Sequential, Functional chains).
    case unsupportedModel(file: String, className: String)
    /// A layer class WeightBridge does not run.
    case unsupportedLayer(file: String, layer: String, className: String)
    /// Several layers WeightBridge does not run, all listed at once: (name, class) in file order.
    case unsupportedLayers(file: String, layers: [KerasLayerName])
    /// A Lambda layer: its Python code is never executed or interpreted.
    case lambdaLayer(file: String, layer: String)
    /// A supported layer with a setting WeightBridge does not implement (dilation, channels_first, ...).
    case unsupportedSetting(file: String, layer: String, setting: String, value: String, expected: String)
    /// A layer cannot take the shapes it is given, or the graph is malformed; `cause` says which layer and why.
    case invalidModel(file: String, cause: ModelSpecError)
    /// A weight listed in `weight_names`, or a layer listed in `layer_names`, is missing.
    case missingWeights(file: String, layer: String, detail: String)
    /// A layer's weights do not match its configuration (count or shape).
    case weightMismatch(file: String, layer: String, expected: String, found: String)
    /// An attribute that should hold strings does not, or is malformed.
    case badAttribute(file: String, attribute: String, reason: String)
    /// A file whose arrays cannot be given a definite meaning (e.g. a Keras 0.x `layer_i/param_j` file).
    case undefinedMeaning(file: String, reason: String)
    /// The isolated reader (`KerasReadIsolation.childProcess`) refused the file; `message` is the refusal the
    /// in-process reader gives, naming the file.
    case refusedByReader(message: String)
    /// libhdf5 crashed (the child died from `signal`) while parsing the file.
    case readerCrashed(file: String, signal: String)
    /// libhdf5 was still parsing the file at the isolated reader's deadline.
    case readerTimedOut(file: String, seconds: Double)
    /// The isolated reader could not run or answered nonsense.
    case readerFailed(file: String, reason: String)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .notAKerasFile(let file, let found):
            (
                file,
                "not a Keras HDF5 file (found \(found.printable(limit: 200)); expected model_config, model_weights/, layer_names or layers/)"
            )
        case .missingModelConfig(let file): (file, "has model_weights/ but no model_config attribute, so the architecture is unknown")
        case .invalidConfig(let file, let reason): (file, "model_config: \(reason.printable(limit: 200))")
        case .unsupportedModel(let file, let className):
            (file, "model class \(className.printable()) is not supported (expected Sequential, Functional or Model)")
        case .unsupportedLayer(let file, let layer, let className):
            (
                file,
                "layer '\(layer.printable())' has class \(className.printable()), which WeightBridge does not run "
                    + "(the README lists the layers it runs)"
            )
        case .unsupportedLayers(let file, let layers):
            (file, "\(layers.count) layers WeightBridge does not run: " + layers.map(\.listed).joined(separator: ", "))
        case .lambdaLayer(let file, let layer):
            (file, "layer '\(layer.printable())' has class Lambda, which WeightBridge does not run (Lambda layers hold Python code)")
        case .unsupportedSetting(let file, let layer, let setting, let value, let expected):
            (
                file,
                "layer '\(layer.printable())': \(setting.printable()) is \(value.printable()), expected \(expected.printable(limit: 200))"
            )
        case .invalidModel(let file, _): (file, "model_config")
        case .missingWeights(let file, let layer, let detail): (file, "layer '\(layer.printable())': \(detail.printable(limit: 200))")
        case .weightMismatch(let file, let layer, let expected, let found):
            (
                file,
                "layer '\(layer.printable())': weights \(found.printable(limit: 200)) do not match the configuration, "
                    + "which needs \(expected.printable(limit: 200))"
            )
        case .badAttribute(let file, let attribute, let reason):
            (file, "attribute \(attribute.printable()): \(reason.printable(limit: 200))")
        case .undefinedMeaning(let file, let reason): (file, "refused: the file \(reason.printable(limit: 200))")
        case .refusedByReader(let message): (nil, message)
        case .readerCrashed(let file, let signal):
            (
                file,
                "refused: libhdf5 crashed (\(signal)) parsing this file in WeightBridge's isolated reader; the file is malformed or hostile"
            )
        case .readerTimedOut(let file, let seconds):
            (
                file,
                "refused: libhdf5 was still parsing this file after \(String(format: "%g", seconds)) s and was stopped; "
                    + "the file is malformed (libhdf5 can loop on corrupt metadata), or needs more time (WEIGHTBRIDGE_H5_TIMEOUT=seconds)"
            )
        case .readerFailed(let file, let reason): (file, "cannot read: \(reason.printable(limit: 200))")
        }
    }

    /// The layer problem behind `invalidModel`; nil for every other case.
    public var underlyingError: Error? {
        if case .invalidModel(_, let cause) = self { return cause }
        return nil
    }
}

/// A layer named in an error: its name and Keras class.
public struct KerasLayerName: Sendable, Equatable {
    public var name: String
    public var className: String

    /// `'name' (class)` as a list of refused layers shows it; a Lambda says its Python code is never run.
    var listed: String { "'\(name)' (\(className == "Lambda" ? "Lambda, Python code never run" : className))" }
}
