import Foundation

/// Per-class precision, recall, F1 and support, with accuracy and the macro and weighted averages,
/// computed exactly as scikit-learn's `classification_report(..., labels=range(classes))` with its
/// default zero division (a ratio whose denominator is 0 is 0.0).
///
/// Every class of the confusion matrix gets a row, including classes that never occur (support 0).
/// Averages follow NumPy's pairwise summation, so values are bit-identical to scikit-learn's.
public struct ClassificationReport: Codable, Sendable, Equatable {
    /// One line of the report.
    public struct Row: Codable, Sendable, Equatable {
        /// Class name, or `macro avg` / `weighted avg`.
        public var label: String
        /// True positives / predicted positives.
        public var precision: Double
        /// True positives / actual positives.
        public var recall: Double
        /// `2 tp / (actual + predicted)`: the harmonic mean of precision and recall.
        public var f1Score: Double
        /// Number of true examples (for averages, all examples).
        public var support: Int

        /// Makes a row.
        public init(label: String, precision: Double, recall: Double, f1Score: Double, support: Int) {
            self.label = label
            self.precision = precision
            self.recall = recall
            self.f1Score = f1Score
            self.support = support
        }
    }

    /// One row per class, in class order.
    public var rows: [Row]
    /// Fraction of examples predicted correctly.
    public var accuracy: Double
    /// Unweighted mean over classes.
    public var macroAverage: Row
    /// Mean over classes weighted by support.
    public var weightedAverage: Row

    /// Computes the report from `confusion`. `classNames` label the rows (default `"0"`, `"1"`, ...);
    /// traps unless there is one name per class.
    public init(confusion: ConfusionMatrix, classNames: [String]? = nil) {
        let names = classNames ?? (0..<confusion.classes).map(String.init)
        precondition(
            names.count == confusion.classes,
            EvaluationError.classNameCount(names: names.count, classes: confusion.classes).localizedDescription)
        let support = confusion.trueCounts
        let predicted = confusion.predictedCounts
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        rows = (0..<confusion.classes).map { c in
            let tp = confusion.counts[c][c]
            return Row(
                label: names[c], precision: ratio(tp, predicted[c]), recall: ratio(tp, support[c]),
                f1Score: ratio(2 * tp, support[c] + predicted[c]), support: support[c])
        }
        let total = confusion.total
        accuracy = ratio(confusion.correct, total)
        let n = Double(rows.count)
        macroAverage = Row(
            label: "macro avg", precision: PairwiseSum.sum(rows.map(\.precision)) / n,
            recall: PairwiseSum.sum(rows.map(\.recall)) / n, f1Score: PairwiseSum.sum(rows.map(\.f1Score)) / n,
            support: total)
        let weights = support.map(Double.init)
        let weightSum = PairwiseSum.sum(weights)
        func weighted(_ values: [Double]) -> Double {
            weightSum == 0 ? 0 : PairwiseSum.sum(zip(values, weights).map { $0 * $1 }) / weightSum
        }
        weightedAverage = Row(
            label: "weighted avg", precision: weighted(rows.map(\.precision)), recall: weighted(rows.map(\.recall)),
            f1Score: weighted(rows.map(\.f1Score)), support: total)
    }

    /// The report as scikit-learn prints it (`classification_report(..., digits=digits)`), byte for byte:
    /// names right-aligned to the longest name (at least 12 wide), each number in a 9-wide column,
    /// values rounded half to even on their exact binary value, a blank line after the header and
    /// after the class rows.
    public func text(digits: Int = 2) -> String {
        let nameWidth = rows.map { $0.label.unicodeScalars.count }.max() ?? 0
        let width = max(nameWidth, "weighted avg".count, digits)
        func pad(_ s: String, _ w: Int) -> String {
            let length = s.unicodeScalars.count
            return length >= w ? s : String(repeating: " ", count: w - length) + s
        }
        func number(_ v: Double) -> String { pad(String(format: "%.\(digits)f", v), 9) }
        func line(_ row: Row) -> String {
            pad(row.label, width) + " " + [row.precision, row.recall, row.f1Score].map { " " + number($0) }.joined() + " "
                + pad(String(row.support), 9) + "\n"
        }
        var out = pad("", width) + " " + ["precision", "recall", "f1-score", "support"].map { " " + pad($0, 9) }.joined() + "\n\n"
        for row in rows { out += line(row) }
        out += "\n"
        out +=
            pad("accuracy", width) + " " + " " + pad("", 9) + " " + pad("", 9) + " " + number(accuracy) + " "
            + pad(String(macroAverage.support), 9) + "\n"
        out += line(macroAverage)
        out += line(weightedAverage)
        return out
    }
}
