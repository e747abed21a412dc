import Foundation
import SafeIO

/// Errors from mapping files onto Swift models and back. Messages say what is missing, never which command-line flag
/// supplies it: the CLI adds that.
public enum BridgeError: WeightBridgeError, Equatable {
    /// The file's extension is not one WeightBridge reads as a model.
    case unsupportedModelFile(file: String)
    /// A Keras file holds only weights and no architecture was given.
    case noArchitecture(file: String)
    /// A Keras layer has no Swift counterpart.
    case unsupportedLayer(file: String, layer: String, className: String)
    /// An activation name has no Swift counterpart.
    case unsupportedActivation(file: String, layer: String, activation: String)
    /// The model has no input shape and none could be inferred.
    case unknownInputShape(file: String)
    /// A layer's weights are missing or of the wrong count.
    case weightCountMismatch(file: String, layer: String, expected: Int, found: Int)
    /// A weight's shape disagrees with the architecture.
    case weightShapeMismatch(file: String, layer: String, weight: String, expected: [Int], found: [Int])
    /// An .npz archive is not a chain of dense layers.
    case notAnMLPArchive(file: String, reason: String)
    /// The model cannot be written in the requested layout.
    case cannotExport(file: String, reason: String)
    /// A supported layer with a setting WeightBridge cannot map (Dense on images, mixed data formats, ...).
    case unsupportedSetting(file: String, layer: String, reason: String)
    /// The file records no backend but its convolutions mean different things under Theano and TensorFlow.
    case unknownBackend(file: String)
    /// A weight group holds more arrays than the layers that use it take.
    case unusedWeights(file: String, group: String, used: Int, found: Int)
    /// Arrays given to `LoadedModel.predict` that do not fit the model's inputs or outputs.
    case predictionInput(reason: String)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .unsupportedModelFile(let file):
            (file, "not a model file WeightBridge reads (expected .h5, .hdf5, .keras weights .h5 or .npz)")
        case .noArchitecture(let file): (file, "holds weights only and no architecture")
        case .unsupportedLayer(let file, let layer, let className):
            (file, "layer '\(layer.printable())' has class \(className.printable()), which WeightBridge does not support")
        case .unsupportedActivation(let file, let layer, let activation):
            (file, "layer '\(layer.printable())' uses activation '\(activation.printable())', which WeightBridge does not support")
        case .unknownInputShape(let file): (file, "the model declares no input shape and none can be inferred from its first kernel")
        case .weightCountMismatch(let file, let layer, let expected, let found):
            (file, "layer '\(layer.printable())' needs \(expected) weight arrays but the file has \(found)")
        case .weightShapeMismatch(let file, let layer, let weight, let expected, let found):
            (
                file,
                "layer '\(layer.printable())' weight '\(weight.printable())' has shape \(shapeText(found)), expected \(shapeText(expected))"
            )
        case .notAnMLPArchive(let file, let reason): (file, "not a chain of dense layers: \(reason.printable(limit: 200))")
        case .cannotExport(let file, let reason): (file, "cannot export: \(reason.printable(limit: 200))")
        case .unsupportedSetting(let file, let layer, let reason): (file, "layer '\(layer.printable())' \(reason.printable(limit: 200))")
        case .unknownBackend(let file):
            (
                file,
                "records no Keras backend, and its convolution kernels mean different things under Theano "
                    + "(true convolution) and TensorFlow"
            )
        case .unusedWeights(let file, let group, let used, let found):
            (file, "weight group '\(group.printable())' holds \(found) arrays but the architecture uses \(used)")
        case .predictionInput(let reason): (nil, "cannot predict: \(reason.printable(limit: 300))")
        }
    }
}

/// `(784, 128)` style, as NumPy prints shapes.
func shapeText(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
