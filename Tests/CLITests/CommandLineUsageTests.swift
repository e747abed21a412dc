import Foundation
import TestSupport
import XCTest

/// What the command tells a user about itself: help that shows whole example commands, suggestions for
/// mistyped commands, what `train` will write, and numbers and shapes as a person writes them.
final class CommandLineUsageTests: XCTestCase {
    static let commands = ["verify", "inspect", "convert", "compare", "predict", "evaluate", "train"]

    private func help(_ command: [String], columns: Int) throws -> ProcessResult {
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = String(columns)
        return try runProcess(
            WeightBridgeBinary.url.path, command + ["--help"], environment: environment, currentDirectory: FixturePaths.repoRoot)
    }

    /// The lines from "Examples:" up to the usage line.
    private func examples(_ text: String) -> [String] {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Example") }) else { return [] }
        return Array(lines[start...].prefix { !$0.hasPrefix("USAGE") })
    }

    func testHelpExamplesAreWholeCommandsOnAnEightyColumnTerminal() throws {
        for command in [[]] + Self.commands.map({ [$0] }) {
            let narrow = try help(command, columns: 80)
            let wide = try help(command, columns: 400)
            XCTAssertEqual(narrow.status, 0)
            let lines = examples(narrow.stdout)
            XCTAssertFalse(lines.isEmpty, "\(command) --help has examples")
            XCTAssertEqual(lines, examples(wide.stdout), "\(command) --help wraps an example at 80 columns")
            // A line of an example is a command or the continuation of one ending in a backslash.
            for (i, line) in lines.enumerated() where line.hasPrefix("      ") {
                XCTAssertTrue(i > 0 && lines[i - 1].hasSuffix("\\"), "\(command): '\(line)' continues no command")
            }
        }
    }

    func testTrainHelpNamesTheInitFromOption() throws {
        let r = try help(["train"], columns: 120)
        XCTAssertTrue(r.stdout.contains("--init-from <file>"), r.stdout)
        XCTAssertFalse(r.stdout.contains("--init "), r.stdout)
    }

    func testMistypedCommandGetsTheNearestCommandAndExit64() throws {
        let r = try WeightBridgeBinary.run(["inpsect", "model.h5"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.hasPrefix("weightbridge: unknown command 'inpsect'; did you mean 'inspect'?"), r.stderr)
        let far = try WeightBridgeBinary.run(["frobnicate"])
        XCTAssertEqual(far.status, 64)
        XCTAssertTrue(far.stderr.contains("the commands are verify, inspect, convert, compare, predict, evaluate, train, help"), far.stderr)
        XCTAssertFalse(far.stderr.contains("_read-h5"), far.stderr)
    }

    func testTrainSaysNothingWillBeSavedAndWherePlotsWent() throws {
        let tmp = TemporaryDirectory()
        let plots = tmp.file("plots").path
        let r = try WeightBridgeBinary.run(["train", "mlp", "--limit", "300", "--epochs", "1", "--plots", plots])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("train: no --output given: the trained model will not be saved"), r.stderr)
        for name in ["mlp_loss.svg", "mlp_accuracy.svg", "mlp_confusion_matrix.svg"] {
            XCTAssertTrue(r.stderr.contains("train: wrote \(plots)/\(name)"), r.stderr)
        }
        let svg = try String(contentsOf: tmp.file("plots/mlp_loss.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("lr 0.01, batch 64, 1 epochs, seed 42, 300 rows"), svg)
    }

    func testInspectPrintsAFloat32LearningRateAsWritten() throws {
        // Keras 3 stores the float32 0.001 as 0.0010000000474974513 in the training config.
        let r = try WeightBridgeBinary.run(["inspect", FixturePaths.fixture("h5/keras3_cnn.h5").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("(learning rate 0.001)"), r.stdout)
    }

    func testPredictNamesShapesAsNumPyPrintsThem() throws {
        let r = try WeightBridgeBinary.run([
            "predict", FixturePaths.fixture("verify/cancer_mlp.h5").path, "--input",
            FixturePaths.fixture("verify/digits_cnn_outputs.npy").path,
            "--output", TemporaryDirectory().file("p.npy").path,
        ])
        assertOneLineError(r, mentioning: "shape (360, 10) does not hold samples of the model's input shape (30,)")
    }

    func testAddsTheFlagThatResolvesALibraryError() throws {
        // The library says what is missing; only the command knows which of its flags supplies it.
        let weights = FixturePaths.fixture("h5/tfkeras_mlp_weights.h5").path
        let r = try WeightBridgeBinary.run(["convert", weights, TemporaryDirectory().file("m.keras").path])
        assertOneLineError(
            r,
            mentioning: "\(weights): holds weights only and no architecture; give --architecture FILE (Keras JSON/YAML or a full-model .h5)"
        )
    }
}
