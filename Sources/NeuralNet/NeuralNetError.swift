import Foundation

/// Errors from building, loading or training a `Sequential` model. Messages name the layer, the value found
/// and the value expected.
public enum NeuralNetError: Error, LocalizedError, Equatable {
    /// A layer cannot be applied to its input shape (e.g. a 3x3 valid convolution on a 2x2 image).
    case impossibleShape(layer: Int, spec: String, input: [Int], reason: String)
    /// A layer hyperparameter is out of range (zero units, dropout rate outside [0, 1), ...).
    case invalidParameter(layer: Int, reason: String)
    /// `setWeights` got the wrong number of arrays for a layer.
    case weightCount(layer: Int, expected: Int, found: Int)
    /// `setWeights` got an array of the wrong shape for a layer.
    case weightShape(layer: Int, index: Int, expected: [Int], found: [Int])
    /// Training or evaluation data does not match the model (input shape, label count, label range).
    case invalidData(String)

    /// One line naming the layer (or data set), the value found and the value expected.
    public var errorDescription: String? {
        switch self {
        case .impossibleShape(let layer, let spec, let input, let reason):
            return "layer \(layer) (\(spec)): cannot apply to input shape \(input): \(reason)"
        case .invalidParameter(let layer, let reason):
            return "layer \(layer): \(reason)"
        case .weightCount(let layer, let expected, let found):
            return "layer \(layer): expected \(expected) weight arrays, found \(found)"
        case .weightShape(let layer, let index, let expected, let found):
            return "layer \(layer): weight \(index) has shape \(found), expected \(expected)"
        case .invalidData(let reason):
            return reason
        }
    }
}
