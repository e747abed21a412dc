import Foundation
import TestSupport
import XCTest

/// `weightbridge verify` end to end on the built binary.
final class VerifyCommandTests: XCTestCase {
    func seedArguments() throws -> [String] {
        ["--mlp", try FixturePaths.sharedFile("seed/mlp_weights.npz").path, "--cnn", try FixturePaths.sharedFile("seed/cnn_model.h5").path]
    }

    func testVerifyReproducesEveryReportedFigureAndExitsZero() throws {
        let r = try WeightBridgeBinary.run(["verify"] + seedArguments() + ["--json"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(j["pass"] as? Bool, true)
        let models = try XCTUnwrap(j["models"] as? [[String: Any]])
        XCTAssertEqual(models.map { $0["model"] as? String }, ["mlp", "cnn"])
        let mlpAcc = try XCTUnwrap(models[0]["accuracy"] as? [String: Double])
        XCTAssertEqual(mlpAcc["seed training split"], 0.973)  // 54488 / 56000
        XCTAssertEqual(mlpAcc["seed test split"], 0.9625)  // 13475 / 14000
        let cnnAcc = try XCTUnwrap(models[1]["accuracy"] as? [String: Double])
        XCTAssertEqual(cnnAcc["MNIST test set"], 0.9929)  // 9929 / 10000
        let figures = models.flatMap { $0["figures"] as? [[String: Any]] ?? [] }
        XCTAssertGreaterThan(figures.count, 80)
        XCTAssertTrue(figures.allSatisfy { $0["pass"] as? Bool == true })
    }

    func testVerifyHumanReportShowsReportedAndComputedSideBySide() throws {
        let r = try WeightBridgeBinary.run(
            ["verify"] + seedArguments() + ["--mnist", FixturePaths.shared.appendingPathComponent("mnist").path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("97.30%"), r.stdout)
        XCTAssertTrue(r.stdout.contains("96.2500%"), r.stdout)
        XCTAssertTrue(r.stdout.contains("99.2900%"), r.stdout)
        XCTAssertTrue(r.stdout.contains("verify: PASS"), r.stdout)
    }

    func testVerifyFailsAndNamesTheFigureWhenAReportedValueDiffers() throws {
        let tmp = TemporaryDirectory()
        var text = try String(contentsOf: FixturePaths.fixture("seed/reported.json"), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"value\": 0.9929", with: "\"value\": 0.9930")
        text = text.replacingOccurrences(of: "[972, 0, 0,", with: "[971, 0, 0,")
        try text.write(to: tmp.file("reported.json"), atomically: true, encoding: .utf8)
        let r = try WeightBridgeBinary.run(["verify"] + seedArguments() + ["--reported", tmp.file("reported.json").path, "--json"])
        XCTAssertEqual(r.status, 1)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(j["pass"] as? Bool, false)
        let models = try XCTUnwrap(j["models"] as? [[String: Any]])
        XCTAssertEqual(models[0]["pass"] as? Bool, true)
        let failed = (models[1]["figures"] as? [[String: Any]] ?? []).filter { $0["pass"] as? Bool == false }.compactMap {
            $0["name"] as? String
        }
        XCTAssertTrue(failed.contains("test accuracy (10000 images)"), "\(failed)")
        XCTAssertTrue(failed.contains("confusion[0][0]"), "\(failed)")
    }

    func testVerifyWithMissingModelNamesTheFlag() throws {
        let r = try WeightBridgeBinary.run(["verify", "--mlp", "/nonexistent/mlp_weights.npz", "--cnn", "x.h5"])
        assertOneLineError(r, mentioning: "--mlp")
    }
}

/// `--help` on every command explains the options with an example and exits 0.
final class HelpTests: XCTestCase {
    func testEverySubcommandHelpShowsAnExampleAndExitsZero() throws {
        for command in ["verify", "inspect", "convert", "compare", "predict", "evaluate", "train"] {
            let r = try WeightBridgeBinary.run([command, "--help"])
            XCTAssertEqual(r.status, 0, "\(command) --help: \(r.stderr)")
            XCTAssertTrue(r.stdout.contains("weightbridge \(command)"), "\(command) --help shows an example:\n\(r.stdout)")
            XCTAssertTrue(r.stdout.contains("OPTIONS") || r.stdout.contains("ARGUMENTS"), r.stdout)
        }
        let root = try WeightBridgeBinary.run(["--help"])
        XCTAssertEqual(root.status, 0)
        XCTAssertTrue(root.stdout.contains("SUBCOMMANDS"), root.stdout)
    }
}
