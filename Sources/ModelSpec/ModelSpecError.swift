import Foundation

/// Why a layer or a model graph cannot be built: the one error the shape rules and graph checks throw.
///
/// Messages name the layer (by name, or by index when it has none), what it was given and what it needs. File
/// formats wrap it with the file's name; the runtime and the Swift graph API throw it as it is.
public enum ModelSpecError: Error, LocalizedError, Equatable, Sendable {
    /// A layer cannot take the shapes it is given (a 3x3 valid convolution of a 2x2 image, Add of (3) and (4)).
    case impossibleShape(layer: String, inputs: [[Int]], reason: String)
    /// A layer setting is out of range (zero units, a dropout rate of 1, a permutation that is not one).
    case invalidParameter(layer: String, reason: String)
    /// The graph itself is malformed: a cycle, a reference to a node that does not exist, no outputs.
    case invalidGraph(String)

    /// One line naming the layer, the value found and the value expected.
    public var errorDescription: String? {
        switch self {
        case .impossibleShape(let layer, let inputs, let reason):
            let shapes = inputs.map { "(\($0.map(String.init).joined(separator: ", ")))" }.joined(separator: " and ")
            return "layer '\(layer)' cannot take input \(shapes): \(reason)"
        case .invalidParameter(let layer, let reason):
            return "layer '\(layer)': \(reason)"
        case .invalidGraph(let reason):
            return "the model graph \(reason)"
        }
    }
}
