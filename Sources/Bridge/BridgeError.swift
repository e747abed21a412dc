import Foundation
import SafeIO

/// Errors from mapping files onto Swift models and back.
public enum BridgeError: Error, LocalizedError, Equatable {
    /// The file's extension is not one WeightBridge reads as a model.
    case unsupportedModelFile(path: String)
    /// A Keras file holds only weights and no architecture was given.
    case noArchitecture(path: String)
    /// A Keras layer has no Swift counterpart.
    case unsupportedLayer(path: String, layer: String, className: String)
    /// An activation name has no Swift counterpart.
    case unsupportedActivation(path: String, layer: String, activation: String)
    /// The model has no input shape and none could be inferred.
    case unknownInputShape(path: String)
    /// A layer's weights are missing or of the wrong count.
    case weightCountMismatch(path: String, layer: String, expected: Int, found: Int)
    /// A weight's shape disagrees with the architecture.
    case weightShapeMismatch(path: String, layer: String, weight: String, expected: [Int], found: [Int])
    /// An .npz archive is not a chain of dense layers.
    case notAnMLPArchive(path: String, reason: String)
    /// The model cannot be written in the requested layout.
    case cannotExport(path: String, reason: String)
    /// A supported layer with a setting WeightBridge cannot map (Dense on images, mixed data formats, ...).
    case unsupportedSetting(path: String, layer: String, reason: String)
    /// The file records no backend but its convolutions mean different things under Theano and TensorFlow.
    case unknownBackend(path: String)
    /// A weight group holds more arrays than the layers that use it take.
    case unusedWeights(path: String, group: String, used: Int, found: Int)
    /// Arrays given to `LoadedModel.predict` that do not fit the model's inputs or outputs.
    case predictionInput(reason: String)

    public var errorDescription: String? {
        switch self {
        case .unsupportedModelFile(let path):
            return "\(path): not a model file WeightBridge reads (expected .h5, .hdf5, .keras weights .h5 or .npz)"
        case .noArchitecture(let path):
            return "\(path): holds weights only and no architecture; give --architecture FILE (Keras JSON/YAML or a full-model .h5)"
        case .unsupportedLayer(let path, let layer, let className):
            return "\(path): layer '\(layer.printable())' has class \(className.printable()), which WeightBridge does not support"
        case .unsupportedActivation(let path, let layer, let activation):
            return "\(path): layer '\(layer.printable())' uses activation '\(activation.printable())', which WeightBridge does not support"
        case .unknownInputShape(let path):
            return "\(path): the model declares no input shape and none can be inferred from its first kernel; give --input-shape"
        case .weightCountMismatch(let path, let layer, let expected, let found):
            return "\(path): layer '\(layer.printable())' needs \(expected) weight arrays but the file has \(found)"
        case .weightShapeMismatch(let path, let layer, let weight, let expected, let found):
            return
                "\(path): layer '\(layer.printable())' weight '\(weight.printable())' has shape \(shapeText(found)), expected \(shapeText(expected))"
        case .notAnMLPArchive(let path, let reason):
            return "\(path): not a chain of dense layers: \(reason.printable(limit: 200))"
        case .cannotExport(let path, let reason):
            return "\(path): cannot export: \(reason.printable(limit: 200))"
        case .unsupportedSetting(let path, let layer, let reason):
            return "\(path): layer '\(layer.printable())' \(reason.printable(limit: 200))"
        case .unknownBackend(let path):
            return "\(path): records no Keras backend, and its convolution kernels mean different things under Theano "
                + "(true convolution) and TensorFlow; give --backend theano or --backend tensorflow"
        case .unusedWeights(let path, let group, let used, let found):
            return "\(path): weight group '\(group.printable())' holds \(found) arrays but the architecture uses \(used)"
        case .predictionInput(let reason):
            return "cannot predict: \(reason.printable(limit: 300))"
        }
    }
}

/// `(784, 128)` style, as NumPy prints shapes.
func shapeText(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
