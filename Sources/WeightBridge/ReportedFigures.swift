import Foundation
import SafeIO

/// The figures the seed project reports (`Fixtures/seed/reported.json`), each with the precision
/// it was reported at, so `verify` can check computed figures at that precision.
public struct ReportedFigures: Codable, Sendable {
    /// One reported number and how many decimals (of a fraction) it carries.
    public struct Figure: Codable, Sendable {
        public var value: Double
        public var reportedAs: String
        public var decimals: Int
        enum CodingKeys: String, CodingKey {
            case value
            case reportedAs = "reported_as"
            case decimals
        }
    }
    /// One row of a reported classification report.
    public struct ReportRow: Codable, Sendable {
        public var label: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }
    /// A reported classification report (per-class rows) at `digits` decimals.
    public struct Report: Codable, Sendable {
        public var digits: Int
        public var rows: [ReportRow]
    }
    /// The MLP's figures.
    public struct MLP: Codable, Sendable {
        public var file: String
        public var protocolDescription: String
        public var trainingAccuracy: Figure
        public var testAccuracy: Figure
        public var report: Report
        enum CodingKeys: String, CodingKey {
            case file
            case protocolDescription = "protocol"
            case trainingAccuracy = "training_accuracy"
            case testAccuracy = "test_accuracy"
            case report
        }
    }
    /// The CNN's figures.
    public struct CNN: Codable, Sendable {
        public var file: String
        public var protocolDescription: String
        public var testAccuracy: Figure
        public var report: Report
        public var confusionMatrix: [[Int]]
        enum CodingKeys: String, CodingKey {
            case file
            case protocolDescription = "protocol"
            case testAccuracy = "test_accuracy"
            case report
            case confusionMatrix = "confusion_matrix"
        }
    }

    public var schema: Int
    public var source: String
    public var mlp: MLP
    public var cnn: CNN

    /// Reads and checks a reported-figures file.
    public static func load(_ url: URL) throws -> ReportedFigures {
        try decode(try Data(contentsOf: url), source: url.path)
    }

    /// The seed's figures as compiled into this build (`Fixtures/seed/reported.json` when it was built), for an
    /// installed binary that cannot find its clone.
    public static func builtInSeed() throws -> ReportedFigures {
        try decode(Data(PackageResources.seed_reported_json), source: builtInSeedName)
    }

    /// How reports name the built-in copy.
    public static let builtInSeedName = "Fixtures/seed/reported.json (built into weightbridge)"

    static func decode(_ data: Data, source: String) throws -> ReportedFigures {
        let figures: ReportedFigures
        do {
            figures = try JSONDecoder().decode(ReportedFigures.self, from: data)
        } catch {
            throw VerificationError.badReportedFile(file: source, reason: DecodingErrorText.describe(error))
        }
        guard figures.schema == 1 else {
            throw VerificationError.badReportedFile(file: source, reason: "schema \(figures.schema), this version reads schema 1")
        }
        return figures
    }
}

/// Errors from `verify`.
public enum VerificationError: WeightBridgeError {
    case badReportedFile(file: String, reason: String)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .badReportedFile(let file, let reason): (file, "not a reported-figures file: \(reason)")
        }
    }
}
