import Evaluation
import Foundation

/// One reported figure compared with the computed one at the precision it was reported.
///
/// A fraction reported with `decimals` decimals matches when the computed value, printed with
/// as many decimals (C `printf` rounding, as Python/sklearn print), reads the same. Counts
/// (supports, confusion cells) must be equal.
public struct FigureCheck: Codable, Sendable {
    public var model: String
    public var name: String
    public var reported: String
    public var computed: String
    public var computedExact: Double
    /// What "equal" means for this figure, e.g. "2 decimals" or "exact".
    public var tolerance: String
    public var pass: Bool

    /// Compares a fraction at `decimals` decimals.
    public init(model: String, name: String, reported: Double, computed: Double, decimals: Int, reportedAs: String? = nil) {
        self.model = model
        self.name = name
        let r = String(format: "%.\(decimals)f", reported)
        let c = String(format: "%.\(decimals)f", computed)
        self.reported = reportedAs ?? r
        self.computed = c
        self.computedExact = computed
        self.tolerance = "\(decimals) decimals"
        self.pass = r == c
    }

    /// A check computed elsewhere (outputs against a reference file): the texts as shown, `computedExact` the
    /// number behind `computed` (the largest difference; -1 when none could be computed, e.g. shapes differ).
    public init(model: String, name: String, reported: String, computed: String, computedExact: Double, tolerance: String, pass: Bool) {
        self.model = model
        self.name = name
        self.reported = reported
        self.computed = computed
        self.computedExact = computedExact
        self.tolerance = tolerance
        self.pass = pass
    }

    /// Compares a count exactly.
    public init(model: String, name: String, reportedCount: Int, computedCount: Int) {
        self.model = model
        self.name = name
        self.reported = String(reportedCount)
        self.computed = String(computedCount)
        self.computedExact = Double(computedCount)
        self.tolerance = "exact"
        self.pass = reportedCount == computedCount
    }

    /// Checks every per-class value of a reported classification report against a computed one.
    public static func reportChecks(model: String, reported: ReportedFigures.Report, computed: ClassificationReport) -> [FigureCheck] {
        var checks: [FigureCheck] = []
        for row in reported.rows {
            guard let c = computed.rows.first(where: { $0.label == row.label }) else {
                checks.append(FigureCheck(model: model, name: "class \(row.label) support", reportedCount: row.support, computedCount: -1))
                continue
            }
            let d = reported.digits
            checks.append(
                FigureCheck(model: model, name: "class \(row.label) precision", reported: row.precision, computed: c.precision, decimals: d)
            )
            checks.append(
                FigureCheck(model: model, name: "class \(row.label) recall", reported: row.recall, computed: c.recall, decimals: d))
            checks.append(
                FigureCheck(model: model, name: "class \(row.label) f1-score", reported: row.f1, computed: c.f1Score, decimals: d))
            checks.append(
                FigureCheck(model: model, name: "class \(row.label) support", reportedCount: row.support, computedCount: c.support))
        }
        return checks
    }
}
