import Evaluation
import Foundation
import SafeIO

/// A figure a project reports for its model, with the precision it was written at: `accuracy=0.9812`
/// (four decimals, so it holds when the computed accuracy rounds to 0.9812, i.e. within ±0.00005) or
/// `accuracy=98.12%` (the same precision, written as a percentage).
///
/// Names: `accuracy`; `top3_accuracy` (any k); `macro_precision`, `macro_recall`, `macro_f1`, and `weighted_`
/// the same; `precision_C`, `recall_C`, `f1_C` for class C; `support_C` (a count, checked exactly);
/// `loss` (categorical cross-entropy on the model's probabilities).
public struct FigureExpectation: Sendable, Equatable {
    /// The figure's name as written (`macro_f1`).
    public let name: String
    /// The value as a fraction (`98.12%` gives 0.9812).
    public let value: Double
    /// The value as written.
    public let written: String
    /// Decimals of the fraction: `0.9812` and `98.12%` both carry 4.
    public let decimals: Int

    /// The figure names, for messages; `top<k>_accuracy`, `precision_<class>` and friends are patterns.
    public static let knownNames = [
        "accuracy", "top<k>_accuracy", "loss", "macro_precision", "macro_recall", "macro_f1", "weighted_precision", "weighted_recall",
        "weighted_f1", "precision_<class>", "recall_<class>", "f1_<class>", "support_<class>",
    ]

    /// Parses `name=value`. Throws `FigureError` for a missing `=`, an unknown name, or a value that is not a
    /// plain decimal (`0.9812`, `98.12%`, `12`); exponents are refused because the written digits are the precision.
    public init(parsing text: String) throws {
        guard let eq = text.firstIndex(of: "=") else { throw FigureError.notAnAssignment(text) }
        try self.init(name: String(text[..<eq]), written: String(text[text.index(after: eq)...]))
    }

    /// A figure `name` with the value `written` as the project wrote it (`0.9812`, `98.12%`).
    public init(name: String, written: String) throws {
        let name = name.trimmingCharacters(in: .whitespaces)
        let written = written.trimmingCharacters(in: .whitespaces)
        guard Figure(name) != nil else { throw FigureError.unknownName(name) }
        let percent = written.hasSuffix("%")
        let digits = percent ? String(written.dropLast()).trimmingCharacters(in: .whitespaces) : written
        let body = digits.hasPrefix("-") || digits.hasPrefix("+") ? String(digits.dropFirst()) : digits
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard !body.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            !(parts.first?.isEmpty ?? true) || parts.count == 2, let number = Double(digits), number.isFinite
        else { throw FigureError.notADecimal(name: name, value: written) }
        let fractionDigits = parts.count == 2 ? parts[1].count : 0
        self.name = name
        self.written = written
        self.value = percent ? number / 100 : number
        self.decimals = fractionDigits + (percent ? 2 : 0)
    }

    /// Checks the figure against an evaluation, at the precision it was written. `model` labels the check.
    public func check(_ evaluation: ModelEvaluation, model: String) throws -> FigureCheck {
        guard let figure = Figure(name) else { throw FigureError.unknownName(name) }
        if case .support(let c) = figure {
            guard c < evaluation.report.rows.count else { throw FigureError.noSuchClass(name: name, classes: evaluation.classes) }
            guard value == value.rounded(), decimals == 0 else { throw FigureError.notADecimal(name: name, value: written) }
            return FigureCheck(model: model, name: name, reportedCount: Int(value), computedCount: evaluation.report.rows[c].support)
        }
        let computed = try figure.value(in: evaluation, name: name)
        return FigureCheck(model: model, name: name, reported: value, computed: computed, decimals: decimals, reportedAs: written)
    }

    /// A figure a name stands for.
    enum Figure: Equatable {
        case accuracy, loss
        case topK(Int)
        case macro(KeyPath<ClassificationReport.Row, Double>)
        case weighted(KeyPath<ClassificationReport.Row, Double>)
        case perClass(KeyPath<ClassificationReport.Row, Double>, Int)
        case support(Int)

        init?(_ name: String) {
            let rowFigures: [String: KeyPath<ClassificationReport.Row, Double>] = [
                "precision": \.precision, "recall": \.recall, "f1": \.f1Score,
            ]
            switch name {
            case "accuracy": self = .accuracy
            case "loss": self = .loss
            default:
                if name.hasPrefix("top"), name.hasSuffix("_accuracy") {
                    let k = name.dropFirst(3).dropLast("_accuracy".count).trimmingCharacters(in: CharacterSet(charactersIn: "_"))
                    guard let k = Int(k), k >= 1 else { return nil }
                    self = .topK(k)
                    return
                }
                let parts = name.split(separator: "_", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { return nil }
                if parts[0] == "macro", let path = rowFigures[parts[1]] {
                    self = .macro(path)
                } else if parts[0] == "weighted", let path = rowFigures[parts[1]] {
                    self = .weighted(path)
                } else if let c = Int(parts[1]), c >= 0, let path = rowFigures[parts[0]] {
                    self = .perClass(path, c)
                } else if parts[0] == "support", let c = Int(parts[1]), c >= 0 {
                    self = .support(c)
                } else {
                    return nil
                }
            }
        }

        func value(in e: ModelEvaluation, name: String) throws -> Double {
            switch self {
            case .accuracy: return e.accuracy
            case .loss: return e.loss
            case .topK(let k): return e.topKAccuracy(k)
            case .macro(let path): return e.report.macroAverage[keyPath: path]
            case .weighted(let path): return e.report.weightedAverage[keyPath: path]
            case .perClass(let path, let c):
                guard c < e.report.rows.count else { throw FigureError.noSuchClass(name: name, classes: e.classes) }
                return e.report.rows[c][keyPath: path]
            case .support(let c): return Double(e.report.rows[c].support)
            }
        }
    }
}

/// Errors in an expected figure.
public enum FigureError: WeightBridgeError, Equatable {
    /// Not of the form `name=value`.
    case notAnAssignment(String)
    /// A name that is no figure.
    case unknownName(String)
    /// A value that is not a plain decimal.
    case notADecimal(name: String, value: String)
    /// A per-class figure for a class the model does not have.
    case noSuchClass(name: String, classes: Int)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .notAnAssignment(let text): (nil, "expected figure '\(text)' is not of the form name=value (e.g. accuracy=0.9812)")
        case .unknownName(let name): (nil, "unknown figure '\(name)'; known: \(FigureExpectation.knownNames.joined(separator: ", "))")
        case .notADecimal(let name, let value):
            (nil, "figure \(name): '\(value)' is not a plain decimal such as 0.9812 or 98.12% (its digits give the precision checked)")
        case .noSuchClass(let name, let classes): (nil, "figure \(name): the model has \(classes) classes (0 to \(classes - 1))")
        }
    }
}
