import Foundation
import SafeIO

/// Errors from training or evaluating a model on data that does not fit it. (Impossible layer shapes and
/// weights are `ModelSpecError`s, thrown by the shape rules.)
public enum NeuralNetError: WeightBridgeError, Equatable {
    /// Training or evaluation data does not match the model (input shape, label count, label range).
    case invalidData(String)
    /// The model has a layer whose backward pass WeightBridge does not implement (it runs at inference only).
    case notTrainable(layer: String)

    /// No file; the problem names the data set or layer, the value found and the value expected.
    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .invalidData(let reason): (nil, reason)
        case .notTrainable(let layer): (nil, "layer '\(layer)' runs at inference only; WeightBridge cannot train a model that has it")
        }
    }
}
