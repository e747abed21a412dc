/// Counts of (true class, predicted class) pairs for a classifier over `classes` classes.
///
/// Layout: `counts[t][p]` is the number of examples of true class `t` predicted as `p` (rows = true,
/// columns = predicted), as scikit-learn's `confusion_matrix(y_true, y_pred, labels=range(classes))`.
public struct ConfusionMatrix: Codable, Sendable, Equatable {
    /// Number of classes; classes are `0..<classes`.
    public let classes: Int
    /// `classes x classes` counts, rows = true class, columns = predicted class.
    public let counts: [[Int]]

    /// Counts `labels[i]` against `predictions[i]`. Traps if the arrays differ in length or hold a class
    /// outside `0..<classes`; use `init(validatingLabels:predictions:classes:)` to get an error instead.
    public init(labels: [Int], predictions: [Int], classes: Int) {
        do {
            try self.init(validatingLabels: labels, predictions: predictions, classes: classes)
        } catch {
            preconditionFailure("\(error.localizedDescription)")
        }
    }

    /// Counts `labels[i]` against `predictions[i]`; throws `EvaluationError` on a length mismatch or a class
    /// outside `0..<classes`.
    public init(validatingLabels labels: [Int], predictions: [Int], classes: Int) throws {
        guard classes > 0 else { throw EvaluationError.noClasses }
        guard labels.count == predictions.count else {
            throw EvaluationError.lengthMismatch(labels: labels.count, predictions: predictions.count)
        }
        var flat = [Int](repeating: 0, count: classes * classes)
        for (i, (t, p)) in zip(labels, predictions).enumerated() {
            guard t >= 0 && t < classes else { throw EvaluationError.classOutOfRange(what: "label", index: i, value: t, classes: classes) }
            guard p >= 0 && p < classes else {
                throw EvaluationError.classOutOfRange(what: "prediction", index: i, value: p, classes: classes)
            }
            flat[t * classes + p] += 1
        }
        self.classes = classes
        self.counts = (0..<classes).map { Array(flat[($0 * classes)..<(($0 + 1) * classes)]) }
    }

    /// Wraps existing counts; throws `EvaluationError.notSquare` unless they are `n x n` and non-negative.
    public init(counts: [[Int]]) throws {
        guard !counts.isEmpty else { throw EvaluationError.noClasses }
        guard counts.allSatisfy({ $0.count == counts.count && $0.allSatisfy { $0 >= 0 } }) else {
            throw EvaluationError.notSquare(rows: counts.count)
        }
        self.classes = counts.count
        self.counts = counts
    }

    /// Number of examples counted.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Examples on the diagonal (predicted as their true class).
    public var correct: Int { (0..<classes).reduce(0) { $0 + counts[$1][$1] } }

    /// `correct / total` (0 when there are no examples), as scikit-learn's `accuracy_score`.
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Examples of each true class (row sums): the support.
    public var trueCounts: [Int] { counts.map { $0.reduce(0, +) } }

    /// Examples predicted as each class (column sums).
    public var predictedCounts: [Int] { (0..<classes).map { p in counts.reduce(0) { $0 + $1[p] } } }
}
