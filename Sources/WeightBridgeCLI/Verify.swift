import ArgumentParser
import Foundation
import WeightBridge

/// `weightbridge verify`: proves the reloaded seed models reproduce the reported figures.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that the seed MLP and CNN, reloaded in Swift, reproduce the accuracies their project reports.",
        discussion: """
            Loads the NumPy MLP (.npz) and the Keras CNN (.h5), evaluates each under the protocol that \
            produced its reported figures (MLP: float64 forward pass on the sklearn train_test_split of the \
            70000 OpenML-ordered rows; CNN: float32 on the 10000 MNIST test images), and compares every \
            reported figure at the precision it was reported: accuracies, each per-class precision, recall, \
            f1-score and support, and the CNN's confusion matrix. Exit 0 only if all reproduce.

            Example:
              weightbridge verify --mlp ../shared/seed/mlp_weights.npz --cnn ../shared/seed/cnn_model.h5
              weightbridge verify --json --mnist ../shared/mnist > verify.json
            """)

    @Option(help: ArgumentHelp("The seed MLP weights (np.savez archive W1 b1 W2 b2 W3 b3).", valueName: "file"))
    var mlp = "mlp_weights.npz"

    @Option(help: ArgumentHelp("The seed Keras CNN (model.save .h5).", valueName: "file"))
    var cnn = "cnn_model.h5"

    @Option(help: ArgumentHelp("The reported figures (default: the project's Fixtures/seed/reported.json).", valueName: "file"))
    var reported: String?

    @Option(help: ArgumentHelp("Write the CNN's confusion matrix as an SVG heatmap here.", valueName: "file"))
    var confusionSvg: String?

    @OptionGroup var mnist: MNISTOptions
    @OptionGroup var output: JSONOption

    func run() throws {
        let mlpURL = try requireFile(mlp, flag: "--mlp")
        let cnnURL = try requireFile(cnn, flag: "--cnn")
        let reportedURL: URL
        if let reported {
            reportedURL = try requireFile(reported, flag: "--reported")
        } else if let found = ProjectPaths.find("Fixtures/seed/reported.json") {
            reportedURL = found
        } else {
            throw CLIError.missingFile(path: "Fixtures/seed/reported.json", flag: "--reported")
        }
        let figures = try ReportedFigures.load(reportedURL)
        let dataset = try mnist.load()
        let mlpResult = try SeedVerification.verifyMLP(file: mlpURL, dataset: dataset, reported: figures.mlp)
        let cnnResult = try SeedVerification.verifyCNN(file: cnnURL, dataset: dataset, reported: figures.cnn)
        let results = [mlpResult, cnnResult]
        if let confusionSvg, let test = cnnResult.evaluations.first?.evaluation {
            try writeText(ConfusionMatrixSVG.render(test.confusion, title: "CNN confusion matrix (WeightBridge, \(cnnURL.lastPathComponent))"), to: confusionSvg)
        }
        let pass = results.allSatisfy(\.pass)
        if output.json {
            try printJSON(VerifyJSON(pass: pass, reportedFigures: reportedURL.path, models: results.map(VerifyJSON.Model.init)))
        } else {
            printHuman(results, reportedURL: reportedURL)
        }
        if !pass { throw ExitCode(1) }
    }

    private func printHuman(_ results: [SeedVerification.ModelResult], reportedURL: URL) {
        print("WeightBridge verify: the seed models reloaded in Swift, evaluated as the seed's PROVENANCE.md describes")
        print("reported figures: \(reportedURL.path)")
        for r in results {
            print("")
            print("\(r.model.uppercased())  \(r.file)")
            print("     \(r.description)")
            for (name, e) in r.evaluations {
                print("     \(name): \(e.labels.count) rows, accuracy " + String(format: "%.4f%%, forward pass %.2fs", e.accuracy * 100, e.seconds))
            }
            let headline = r.checks.filter { $0.name.contains("accuracy") }
            print("")
            print(pad("  figure", 36) + pad("reported", 18) + pad("computed", 22) + "check")
            for c in headline {
                print(pad("  \(c.name)", 36) + pad(c.reported, 18) + pad(String(format: "%.4f%%", c.computedExact * 100) + " (\(c.computed))", 22) + (c.pass ? "ok" : "MISMATCH"))
            }
            let perClass = r.checks.filter { $0.name.hasPrefix("class ") }
            let perClassOK = perClass.filter(\.pass).count
            if let last = r.evaluations.last {
                print("")
                print("  classification report, computed on the \(last.name):")
                print(last.evaluation.report.text(digits: 2).split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
            }
            print("  per-class precision/recall/f1/support: \(perClassOK) of \(perClass.count) equal the reported report at 2 decimals")
            for c in perClass where !c.pass {
                print("    MISMATCH \(c.name): reported \(c.reported), computed \(c.computed)")
            }
            if r.model == "cnn", let e = r.evaluations.first?.evaluation {
                print("")
                print("  confusion matrix, computed (rows: true label, columns: predicted):")
                for (i, row) in e.confusion.counts.enumerated() {
                    print("    \(i) " + row.map { pad(String($0), 5, right: true) }.joined())
                }
                for c in r.checks where c.name.hasPrefix("confusion") {
                    print("  \(c.name): \(c.computed) of \(c.reported)\(c.pass ? "" : " MISMATCH")")
                }
            }
            print("  \(r.model.uppercased()): \(r.pass ? "PASS" : "FAIL") (\(r.checks.filter(\.pass).count)/\(r.checks.count) checks)")
        }
        print("")
        let all = results.flatMap(\.checks)
        print("verify: \(results.allSatisfy(\.pass) ? "PASS" : "FAIL"): \(all.filter(\.pass).count) of \(all.count) reported figures reproduced")
    }
}

/// `verify --json`: one object per model with every figure reported, computed, tolerance and pass/fail.
struct VerifyJSON: Encodable {
    struct Model: Encodable {
        var model: String
        var file: String
        var description: String
        var pass: Bool
        var accuracy: [String: Double]
        var figures: [FigureCheck]
        var confusionMatrix: [[Int]]?
        init(_ r: SeedVerification.ModelResult) {
            model = r.model
            file = r.file
            description = r.description
            pass = r.pass
            accuracy = Dictionary(uniqueKeysWithValues: r.evaluations.map { ($0.name, $0.evaluation.accuracy) })
            figures = r.checks
            confusionMatrix = r.model == "cnn" ? r.evaluations.first?.evaluation.confusion.counts : nil
        }
    }
    var pass: Bool
    var reportedFigures: String
    var models: [Model]
}

/// Pads `s` with spaces to `width` (on the left when `right`).
func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let n = max(0, width - s.count)
    return right ? String(repeating: " ", count: n) + s : s + String(repeating: " ", count: n)
}
