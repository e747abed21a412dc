import Foundation
import SafeIO

/// Errors from building evaluation results out of labels and predictions.
public enum EvaluationError: WeightBridgeError, Equatable {
    /// Labels and predictions differ in length.
    case lengthMismatch(labels: Int, predictions: Int)
    /// A label or prediction is not one of the classes.
    case classOutOfRange(what: String, index: Int, value: Int, classes: Int)
    /// A confusion matrix needs at least one class.
    case noClasses
    /// Counts given as a matrix are not square (or hold a negative count).
    case notSquare(rows: Int)
    /// Class names do not match the number of classes.
    case classNameCount(names: Int, classes: Int)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .lengthMismatch(let labels, let predictions):
            (nil, "\(labels) labels but \(predictions) predictions; expected one prediction per label")
        case .classOutOfRange(let what, let index, let value, let classes):
            (nil, "\(what) \(index) is \(value), expected a class in 0..<\(classes)")
        case .noClasses: (nil, "a confusion matrix needs at least one class")
        case .notSquare(let rows): (nil, "confusion counts must be \(rows) x \(rows) non-negative integers")
        case .classNameCount(let names, let classes): (nil, "\(names) class names for \(classes) classes; expected one name per class")
        }
    }
}
