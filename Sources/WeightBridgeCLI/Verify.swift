import ArgumentParser
import Foundation
import WeightBridge

/// `weightbridge verify`: proves a reloaded model reproduces the figures its project reports: any model on any
/// labelled test set, every check of a manifest, or (without arguments) the seed MLP and CNN.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that models reloaded in Swift reproduce the figures their projects report.",
        discussion: """
            With MODEL: evaluates it on a test set (--data, --x/--y, or an MNIST --split) and checks each \
            --expect figure at the precision it is written (accuracy=0.9812 holds within 0.00005, \
            accuracy=98.1% within 0.0005): accuracy, top3_accuracy (any k), macro_ and weighted_ precision, \
            recall, f1, per-class precision_C, recall_C, f1_C, support_C, and loss (categorical \
            cross-entropy on the model's probabilities). --reference checks the model's outputs on the test \
            set element by element against outputs saved in Python and names the worst element.
            With --manifest: every check listed in a YAML or JSON file (Docs/ci.md shows the format).
            Without either: the seed MLP (.npz) and CNN (.h5), each under the protocol that produced its \
            reported figures (MLP: float64 on the seed's train_test_split of the 70000 OpenML-ordered rows; \
            CNN: float32 on the 10000 MNIST test images), against every reported figure (accuracies, \
            per-class report, the CNN's confusion matrix).
            Exit status: 0 every figure reproduces, 1 a figure does not, 2 bad input.

            Examples:
              weightbridge verify model.h5 --data test.npz --expect accuracy=0.9812 \\
                  --expect macro_f1=0.9790
              weightbridge verify model.h5 --data test.npz \\
                  --reference keras_probs.npy --atol 1e-5
              weightbridge verify --manifest checks.yml --junit verify.xml
              weightbridge verify --mlp ../shared/seed/mlp_weights.npz \\
                  --cnn ../shared/seed/cnn_model.h5
            """)

    @Argument(help: ArgumentHelp("A model to verify (.h5 or MLP .npz); omit for a manifest or the seed models.", valueName: "model"))
    var model: String?

    @Option(
        name: .customLong("expect"),
        help: ArgumentHelp(
            "A reported figure, name=value (repeatable): accuracy=0.9812, top3_accuracy=0.99, macro_f1=0.97, loss=0.0712.",
            valueName: "name=value"))
    var expectations: [String] = []

    @Option(help: ArgumentHelp("Outputs recorded in Python (np.save of model.predict(x)) to match element by element.", valueName: "file"))
    var reference: String?

    @Option(help: ArgumentHelp("Absolute tolerance for --reference (default 0).", valueName: "a"))
    var atol: Double = 0

    @Option(help: ArgumentHelp("Relative tolerance for --reference: |a-b| <= atol + rtol*|reference| (default 0).", valueName: "r"))
    var rtol: Double = 0

    @Option(help: "MNIST rows for MODEL instead of --data: test, train, seed-mlp-test, seed-mlp-train.")
    var split: EvaluationSplit?

    @Option(help: ArgumentHelp("A YAML or JSON list of checks (model, dataset, preprocessing, expect, reference).", valueName: "file"))
    var manifest: String?

    @Option(help: ArgumentHelp("Also write the results as JUnit XML (one test case per figure) to this file.", valueName: "file"))
    var junit: String?

    @Option(help: ArgumentHelp("The seed MLP weights (np.savez archive W1 b1 W2 b2 W3 b3).", valueName: "file"))
    var mlp = "mlp_weights.npz"

    @Option(help: ArgumentHelp("The seed Keras CNN (model.save .h5).", valueName: "file"))
    var cnn = "cnn_model.h5"

    @Option(help: ArgumentHelp("The seed's reported figures (default: the project's Fixtures/seed/reported.json).", valueName: "file"))
    var reported: String?

    @Option(help: ArgumentHelp("Write the confusion matrix (the seed CNN's, or MODEL's) as an SVG heatmap here.", valueName: "file"))
    var confusionSvg: String?

    @OptionGroup var dataset: DatasetOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var mnist: MNISTOptions
    @OptionGroup var output: JSONOption

    func validate() throws {
        if manifest != nil && (model != nil || !expectations.isEmpty || reference != nil || dataset.given) {
            throw ValidationError("--manifest lists its own models, datasets and figures; give it alone")
        }
        if model == nil && (!expectations.isEmpty || reference != nil || dataset.given || split != nil) {
            throw ValidationError("--expect, --reference, --data, --x/--y and --split need a MODEL argument")
        }
        if model != nil {
            guard dataset.given || split != nil else {
                throw ValidationError("MODEL needs a test set: --data FILE.npz, --x/--y, or --split test")
            }
            guard !(dataset.given && split != nil) else { throw ValidationError("give either --data/--x/--y or --split, not both") }
            guard !expectations.isEmpty || reference != nil else {
                throw ValidationError("MODEL needs figures to check: --expect accuracy=0.9812 or --reference P.npy")
            }
        }
        guard atol >= 0, rtol >= 0 else { throw ValidationError("--atol and --rtol must be >= 0") }
        for e in expectations {
            do { _ = try FigureExpectation(parsing: e) } catch { throw ValidationError("--expect: \(error.localizedDescription)") }
        }
    }

    func run() throws {
        let results: [SeedVerification.ModelResult]
        let source: String
        if let manifest {
            let url = try requireFile(manifest, flag: "--manifest")
            results = try VerificationManifest.load(url, isolation: ReadH5Child.reader).run(mnist: mnist.load)
            source = url.path
        } else if let model {
            results = [try modelCheck(model).run(mnist: mnist.load)]
            source = "command line"
        } else {
            (results, source) = try runSeed()
        }
        if let confusionSvg, let (r, e) = svgSource(results) {
            try writeText(
                ConfusionMatrixSVG.render(
                    e.confusion, title: "\(r.model) confusion matrix (WeightBridge, \(URL(fileURLWithPath: r.file).lastPathComponent))"),
                to: confusionSvg)
        }
        if let junit { try JUnitReport.write(results, to: URL(fileURLWithPath: junit)) }
        let pass = results.allSatisfy(\.pass)
        if output.json {
            try printJSON(VerifyJSON(pass: pass, reportedFigures: source, models: results.map(VerifyJSON.Model.init)))
        } else {
            printHuman(results, source: source, seedOnly: manifest == nil && model == nil)
            if let junit { print("wrote JUnit report \(junit)") }
        }
        if !pass { throw ExitCode(1) }
    }

    /// The check the MODEL argument and its flags describe.
    private func modelCheck(_ model: String) throws -> ModelCheck {
        let url = try requireFile(model, flag: "the MODEL argument")
        let source: DatasetSource
        if let split {
            source = .mnist(split)
        } else if let s = try dataset.source() {
            source = s
        } else {
            throw ValidationError("MODEL needs a test set: --data FILE.npz, --x/--y, or --split test")
        }
        return ModelCheck(
            name: url.lastPathComponent, model: url, importOptions: try modelOptions.importOptions(), dataset: source,
            preprocessing: split == nil ? try dataset.preprocessing() : Preprocessing(),
            expectations: try expectations.map { try FigureExpectation(parsing: $0) },
            reference: try reference.map { ModelCheck.Reference(file: try requireFile($0, flag: "--reference"), atol: atol, rtol: rtol) })
    }

    /// The seed MLP and CNN against the reported figures, as `verify` without arguments always did; the figures
    /// come from `--reported`, the project's `Fixtures/seed/reported.json`, or the copy built into the binary.
    private func runSeed() throws -> ([SeedVerification.ModelResult], String) {
        let mlpURL = try requireFile(mlp, flag: "--mlp")
        let cnnURL = try requireFile(cnn, flag: "--cnn")
        let figures: ReportedFigures
        let source: String
        if let reported {
            let url = try requireFile(reported, flag: "--reported")
            (figures, source) = (try ReportedFigures.load(url), url.path)
        } else if let found = ProjectFiles.find("Fixtures/seed/reported.json") {
            (figures, source) = (try ReportedFigures.load(found), found.path)
        } else {
            (figures, source) = (try ReportedFigures.builtInSeed(), ReportedFigures.builtInSeedName)
        }
        let dataset = try mnist.load()
        let mlpResult = try SeedVerification.verifyMLP(
            file: mlpURL, dataset: dataset, reported: figures.mlp, isolation: ReadH5Child.reader)
        let cnnResult = try SeedVerification.verifyCNN(
            file: cnnURL, dataset: dataset, reported: figures.cnn, isolation: ReadH5Child.reader)
        return ([mlpResult, cnnResult], source)
    }

    /// The evaluation whose confusion matrix `--confusion-svg` draws: the seed CNN's, else the first check's.
    private func svgSource(_ results: [SeedVerification.ModelResult]) -> (SeedVerification.ModelResult, ModelEvaluation)? {
        let r = results.first { $0.isSeedProtocol && $0.model == "cnn" } ?? results.first { !$0.isSeedProtocol }
        guard let r, let e = r.evaluations.first?.evaluation else { return nil }
        return (r, e)
    }

    private func printHuman(_ results: [SeedVerification.ModelResult], source: String, seedOnly: Bool) {
        if seedOnly {
            print("WeightBridge verify: the seed models reloaded in Swift, evaluated as the seed's PROVENANCE.md describes")
            print("reported figures: \(source)")
        } else {
            print("WeightBridge verify: \(results.count) model check\(results.count == 1 ? "" : "s") (\(source))")
        }
        for r in results {
            print("")
            print("\(r.model.uppercased())  \(r.file)")
            print("     \(r.description)")
            for (name, e) in r.evaluations {
                print(
                    "     \(name): \(e.labels.count) rows, accuracy "
                        + String(format: "%.4f%%, forward pass %.2fs", e.accuracy * 100, e.seconds))
            }
            if r.isSeedProtocol { printSeedResult(r) } else { printModelResult(r) }
            print("  \(r.model.uppercased()): \(r.pass ? "PASS" : "FAIL") (\(r.checks.filter(\.pass).count)/\(r.checks.count) checks)")
        }
        print("")
        let all = results.flatMap(\.checks)
        print(
            "verify: \(results.allSatisfy(\.pass) ? "PASS" : "FAIL"): \(all.filter(\.pass).count) of \(all.count) reported figures reproduced"
        )
    }

    /// A user's check: every figure, the reference comparison, the classification report and confusion matrix.
    private func printModelResult(_ r: SeedVerification.ModelResult) {
        let figures = r.checks.filter { !$0.name.hasPrefix("outputs match ") }
        if !figures.isEmpty {
            print("")
            print(pad("  figure", 36) + pad("reported", 18) + pad("computed", 24) + "check")
            for c in figures {
                let computed = c.tolerance == "exact" ? c.computed : "\(c.computed) (" + String(format: "%.6g", c.computedExact) + ")"
                print(pad("  \(c.name)", 36) + pad(c.reported, 18) + pad(computed, 24) + (c.pass ? "ok" : "MISMATCH"))
            }
        }
        for c in r.checks where c.name.hasPrefix("outputs match ") {
            print("")
            print("  \(c.name) \(c.reported), \(c.tolerance): \(c.pass ? "ok" : "MISMATCH")")
            print("    \(c.computed)")
        }
        guard let (name, e) = r.evaluations.first else { return }
        print("")
        print("  classification report, computed on \(name):")
        print(e.report.text(digits: 4).split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
        print("  confusion matrix, computed (rows: true label, columns: predicted):")
        for (i, row) in e.confusion.counts.enumerated() {
            print("    \(i) " + row.map { pad(String($0), 5, right: true) }.joined())
        }
    }

    /// The seed's models: headline accuracies, the per-class report and (CNN) the confusion matrix, as before.
    private func printSeedResult(_ r: SeedVerification.ModelResult) {
        let headline = r.checks.filter { $0.name.contains("accuracy") }
        print("")
        print(pad("  figure", 36) + pad("reported", 18) + pad("computed", 22) + "check")
        for c in headline {
            print(
                pad("  \(c.name)", 36) + pad(c.reported, 18) + pad(String(format: "%.4f%%", c.computedExact * 100) + " (\(c.computed))", 22)
                    + (c.pass ? "ok" : "MISMATCH"))
        }
        let perClass = r.checks.filter { $0.name.hasPrefix("class ") }
        let perClassOK = perClass.filter(\.pass).count
        if let last = r.evaluations.last {
            print("")
            print("  classification report, computed on the \(last.name):")
            print(
                last.evaluation.report.text(digits: 2).split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(
                    separator: "\n"))
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
            confusionMatrix = !r.isSeedProtocol || r.model == "cnn" ? r.evaluations.first?.evaluation.confusion.counts : nil
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
