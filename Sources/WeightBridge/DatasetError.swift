import Foundation
import SafeIO

/// Errors from loading a labelled dataset and matching it to a model. Messages name the file and member,
/// what was found and what was expected; they never name command-line flags.
public enum DatasetError: WeightBridgeError, Equatable {
    /// An archive has no member of that name.
    case noSuchMember(file: String, name: String, members: [String])
    /// The features array has no batch axis (a 0-d array) or holds no rows.
    case noSamples(file: String, shape: [Int])
    /// Labels are neither a vector of class indices nor a one-hot matrix.
    case badLabelShape(file: String, shape: [Int])
    /// A label is negative, fractional or not finite.
    case badLabel(file: String, index: Int, value: Double)
    /// Features and labels hold different numbers of rows.
    case rowCountMismatch(features: Int, labels: Int)
    /// The requested sample shape holds a different number of values than a stored sample.
    case reshapeMismatch(stored: [Int], requested: [Int])
    /// A sample shape with an empty or non-positive dimension.
    case badReshape([Int])
    /// An input element type other than float32.
    case unsupportedDType(String)
    /// The model takes samples of a different size or shape.
    case modelInputMismatch(model: [Int], samples: [Int])
    /// A label names a class the model has no output for.
    case labelOutsideModel(label: Int, outputs: Int)
    /// A feature value is NaN or infinite after preprocessing.
    case nonFiniteFeature(file: String, index: Int)
    /// The MNIST splits are already scaled (`uint8 / 255`); a scale was given for one.
    case scaleOnMNIST

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .noSuchMember(let file, let name, let members):
            (file, "no member '\(name)' (it holds: \(members.prefix(10).joined(separator: ", ")))")
        case .noSamples(let file, let shape):
            (file, "features of shape \(Self.shapeText(shape)) hold no samples; expected (rows, ...) with rows > 0")
        case .badLabelShape(let file, let shape):
            (file, "labels of shape \(Self.shapeText(shape)); expected class indices (rows,) or one-hot (rows, classes)")
        case .badLabel(let file, let index, let value): (file, "label \(index) is \(value); expected a class index 0, 1, 2, ...")
        case .rowCountMismatch(let features, let labels): (nil, "\(features) feature rows but \(labels) labels; expected one label per row")
        case .reshapeMismatch(let stored, let requested):
            (nil, "a sample of shape \(Self.shapeText(stored)) cannot be reshaped to \(Self.shapeText(requested))")
        case .badReshape(let shape):
            (nil, "sample shape \(shape.map(String.init).joined(separator: ",")) is not a list of positive sizes such as 28,28,1")
        case .unsupportedDType(let dtype): (nil, "input dtype '\(dtype)' is not supported; use float32")
        case .modelInputMismatch(let model, let samples):
            (nil, "the model takes samples of shape \(Self.shapeText(model)), the dataset's are \(Self.shapeText(samples))")
        case .labelOutsideModel(let label, let outputs): (nil, "label \(label) has no output in a model of \(outputs) outputs")
        case .nonFiniteFeature(let file, let index): (file, "feature value \(index) is NaN or infinite")
        case .scaleOnMNIST: (nil, "the MNIST splits are already scaled (uint8 / 255 as float32); give no scale for them")
        }
    }

    private static func shapeText(_ shape: [Int]) -> String { ArrayComparison.describe(shape: shape) }
}
