import Foundation
import SafeIO

/// Why a layer or a model graph cannot be built: the one error the shape rules and graph checks throw.
///
/// Messages name the layer (by name, or by index when it has none), what it was given and what it needs. File
/// formats wrap it with the file's name; the runtime and the Swift graph API throw it as it is.
public enum ModelSpecError: WeightBridgeError, Equatable, Sendable {
    /// A layer cannot take the shapes it is given (a 3x3 valid convolution of a 2x2 image, Add of (3) and (4)).
    case impossibleShape(layer: String, inputs: [[Int]], reason: String)
    /// A layer setting is out of range (zero units, a dropout rate of 1, a permutation that is not one).
    case invalidParameter(layer: String, reason: String)
    /// The graph itself is malformed: a cycle, a reference to a node that does not exist, no outputs.
    case invalidGraph(String)

    /// No file (file formats wrap this error as the cause of theirs); the problem names the layer, the value found
    /// and the value expected.
    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .impossibleShape(let layer, let inputs, let reason):
            (nil, "layer '\(layer)' cannot take input \(inputs.map(Self.shapeText).joined(separator: " and ")): \(reason)")
        case .invalidParameter(let layer, let reason): (nil, "layer '\(layer)': \(reason)")
        case .invalidGraph(let reason): (nil, "the model graph \(reason)")
        }
    }

    /// `(2, 2, 1)`, as the shape rules print an input shape.
    private static func shapeText(_ shape: [Int]) -> String { "(\(shape.map(String.init).joined(separator: ", ")))" }
}
