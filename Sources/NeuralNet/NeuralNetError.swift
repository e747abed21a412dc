import Foundation

/// Errors from training or evaluating a model on data that does not fit it. (Impossible layer shapes and
/// weights are `ModelSpecError`s, thrown by the shape rules.)
public enum NeuralNetError: Error, LocalizedError, Equatable {
    /// Training or evaluation data does not match the model (input shape, label count, label range).
    case invalidData(String)
    /// The model has a layer whose backward pass WeightBridge does not implement (it runs at inference only).
    case notTrainable(layer: String)

    /// One line naming the data set, the value found and the value expected.
    public var errorDescription: String? {
        switch self {
        case .invalidData(let reason): return reason
        case .notTrainable(let layer): return "layer '\(layer)' runs at inference only; WeightBridge cannot train a model that has it"
        }
    }
}
