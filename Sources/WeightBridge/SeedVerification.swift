import Bridge
import Evaluation
import Foundation
import MNIST

/// Reloads the seed project's two models in Swift, evaluates each under the protocol that
/// produced its reported figures (see `../shared/seed/PROVENANCE.md`), and checks every reported
/// figure at the precision it was reported.
public struct SeedVerification: Sendable {
    /// The outcome for one model.
    public struct ModelResult: Sendable {
        public var model: String
        public var file: String
        public var description: String
        /// Evaluations by name ("training split", "test split").
        public var evaluations: [(name: String, evaluation: ModelEvaluation)]
        public var checks: [FigureCheck]
        /// Whether this is one of the seed's own models checked under its protocol (its per-class report and, for
        /// the CNN, its confusion matrix), rather than a `ModelCheck` of figures a user listed.
        public var isSeedProtocol = false
        public var pass: Bool { checks.allSatisfy(\.pass) }
    }

    public var results: [ModelResult]
    public var pass: Bool { results.allSatisfy(\.pass) }

    /// Verifies the MLP `.npz` (float64 forward pass on the seed split) against the reported figures. `isolation`
    /// applies when `file` turns out to be an `.h5`.
    public static func verifyMLP(
        file: URL, dataset: MNISTDataset, reported: ReportedFigures.MLP, isolation: KerasReadIsolation = .inProcess
    ) throws -> ModelResult {
        let imported = try ModelFile.load(file, options: ModelFile.ImportOptions(isolation: isolation))
        // One permutation and one 70000-row OpenML-ordered copy for both splits.
        let split = SeedMLPSplit.splits(of: dataset)
        let train = try ModelEvaluation(model: imported.model, rows: split.train)
        let test = try ModelEvaluation(model: imported.model, rows: split.test)
        var checks = [
            FigureCheck(
                model: "mlp", name: "training accuracy (56000 rows)", reported: reported.trainingAccuracy.value,
                computed: train.accuracy, decimals: reported.trainingAccuracy.decimals, reportedAs: reported.trainingAccuracy.reportedAs),
            FigureCheck(
                model: "mlp", name: "test accuracy (14000 rows)", reported: reported.testAccuracy.value,
                computed: test.accuracy, decimals: reported.testAccuracy.decimals, reportedAs: reported.testAccuracy.reportedAs),
        ]
        checks += FigureCheck.reportChecks(model: "mlp", reported: reported.report, computed: test.report)
        let sizes = [imported.model.inputShape.reduce(1, *)] + imported.model.outputShapes.map { $0.reduce(1, *) }
        return ModelResult(
            model: "mlp", file: file.relativePath,
            description: "NumPy MLP \(sizes.map(String.init).joined(separator: "-")), \(imported.model.precisionName)",
            evaluations: [("seed training split", train), ("seed test split", test)], checks: checks, isSeedProtocol: true)
    }

    /// Verifies the Keras CNN `.h5` (float32, MNIST test set) against the reported figures, libhdf5 parsing it as
    /// `isolation` says.
    public static func verifyCNN(
        file: URL, dataset: MNISTDataset, reported: ReportedFigures.CNN, isolation: KerasReadIsolation = .inProcess
    ) throws -> ModelResult {
        let imported = try ModelFile.load(file, options: ModelFile.ImportOptions(isolation: isolation))
        let test = try ModelEvaluation(model: imported.model, rows: dataset.test)
        var checks = [
            FigureCheck(
                model: "cnn", name: "test accuracy (10000 images)", reported: reported.testAccuracy.value,
                computed: test.accuracy, decimals: reported.testAccuracy.decimals, reportedAs: reported.testAccuracy.reportedAs)
        ]
        checks += FigureCheck.reportChecks(model: "cnn", reported: reported.report, computed: test.report)
        var cells = 0
        var matching = 0
        for (i, row) in reported.confusionMatrix.enumerated() {
            for (j, value) in row.enumerated() {
                cells += 1
                let computed = i < test.confusion.counts.count && j < test.confusion.counts[i].count ? test.confusion.counts[i][j] : -1
                if computed == value {
                    matching += 1
                } else {
                    checks.append(FigureCheck(model: "cnn", name: "confusion[\(i)][\(j)]", reportedCount: value, computedCount: computed))
                }
            }
        }
        checks.append(FigureCheck(model: "cnn", name: "confusion matrix cells equal", reportedCount: cells, computedCount: matching))
        let keras: String
        if case .keras(let version, let backend) = imported.origin {
            keras = "Keras \(version ?? "?") (\(backend ?? "unknown backend"))"
        } else {
            keras = "Keras"
        }
        let params = imported.model.parameterCounts.reduce(0, +)
        return ModelResult(
            model: "cnn", file: file.relativePath,
            description: "\(keras) \(imported.layerClassNames.count) layers, \(params) parameters, \(imported.model.precisionName)",
            evaluations: [("MNIST test set", test)], checks: checks, isSeedProtocol: true)
    }
}
