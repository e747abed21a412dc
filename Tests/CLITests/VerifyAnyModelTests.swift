import Foundation
import TestSupport
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `verify` on models that are not MNIST (Fixtures/verify, made by Fixtures/generate/verify_fixtures.py with
/// Keras 3 and scikit-learn): each reproduces the figures Python computed and Keras' own outputs, in one command.
final class VerifyAnyModelTests: XCTestCase {
    /// Keras float32 outputs against Swift's: the order of float32 sums differs from XLA's (about 5e-7 here).
    static let float32Parity = "1e-5"
    /// The NumPy MLP runs in float64 in both; only the order of the sums differs.
    static let float64Parity = "1e-9"

    struct Fixture {
        var name: String
        var model: String
        var data: String
        var preprocessing: [String]
        var atol: String
    }

    static let fixtures = [
        Fixture(
            name: "digits_cnn", model: "digits_cnn.h5", data: "digits_test.npz", preprocessing: ["--scale", "1/16", "--reshape", "8,8,1"],
            atol: float32Parity),
        Fixture(name: "cancer_mlp", model: "cancer_mlp.h5", data: "cancer_test.npz", preprocessing: [], atol: float32Parity),
        Fixture(name: "wine_mlp", model: "wine_mlp.npz", data: "wine_test.npz", preprocessing: [], atol: float64Parity),
    ]

    func verifyFile(_ name: String) -> String { FixturePaths.fixture("verify/\(name)").path }

    /// The figures Python computed (Keras' evaluate, scikit-learn), from Fixtures/verify/reported.json.
    func reportedFigures(_ model: String) throws -> [String: Double] {
        let data = try Data(contentsOf: FixturePaths.fixture("verify/reported.json"))
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let models = try XCTUnwrap(j["models"] as? [String: [String: Any]])
        return try XCTUnwrap(models[model]?["figures"] as? [String: Double])
    }

    func arguments(_ f: Fixture, expect: [String], reference: String? = nil) -> [String] {
        var a = ["verify", verifyFile(f.model), "--data", verifyFile(f.data)] + f.preprocessing
        for e in expect { a += ["--expect", e] }
        a += ["--reference", reference ?? verifyFile("\(f.name)_outputs.npy"), "--atol", f.atol, "--rtol", "0"]
        return a
    }

    func junitDocument(_ url: URL) throws -> XMLDocument {
        try XMLDocument(contentsOf: url, options: [])
    }

    func testEachModelVerifiesInOneCommandAgainstItsReportedFiguresAndPythonOutputs() throws {
        for f in Self.fixtures {
            let figures = try reportedFigures(f.name)
            let expect = figures.keys.sorted().map { "\($0)=" + String(format: "%.4f", figures[$0]!) }
            let tmp = TemporaryDirectory()
            let r = try WeightBridgeBinary.run(arguments(f, expect: expect) + ["--junit", tmp.file("v.xml").path])
            XCTAssertEqual(r.status, 0, "\(f.name): \(r.stdout)\(r.stderr)")
            XCTAssertTrue(r.stdout.contains("verify: PASS: \(expect.count + 1) of \(expect.count + 1)"), r.stdout)
            let root = try XCTUnwrap(try junitDocument(tmp.file("v.xml")).rootElement())
            XCTAssertEqual(root.attribute(forName: "tests")?.stringValue, "\(expect.count + 1)")
            XCTAssertEqual(root.attribute(forName: "failures")?.stringValue, "0")
        }
    }

    func testManifestChecksEveryModelAndWritesOneJUnitTestCasePerFigure() throws {
        let tmp = TemporaryDirectory()
        let r = try WeightBridgeBinary.run(["verify", "--manifest", verifyFile("checks.yml"), "--junit", tmp.file("v.xml").path, "--json"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let models = try XCTUnwrap(j["models"] as? [[String: Any]])
        XCTAssertEqual(models.compactMap { $0["model"] as? String }, ["digits_cnn", "cancer_mlp", "wine_mlp"])
        // Accuracies equal Keras' evaluate (Fixtures/verify/reported.json) to float32 precision: Keras averages in float32.
        for m in models {
            let name = try XCTUnwrap(m["model"] as? String)
            let computed = try XCTUnwrap((m["accuracy"] as? [String: Double])?.values.first)
            XCTAssertEqual(computed, try XCTUnwrap(try reportedFigures(name)["accuracy"]), accuracy: Tolerance.float32Rounding, name)
        }
        let doc = try junitDocument(tmp.file("v.xml"))
        let suites = try doc.nodes(forXPath: "/testsuites/testsuite")
        XCTAssertEqual(suites.count, 3)
        let cases = try doc.nodes(forXPath: "//testcase")
        XCTAssertEqual(cases.count, 16)  // 5 + 4 + 4 figures, and one reference comparison per model
        XCTAssertEqual(try doc.nodes(forXPath: "//failure").count, 0)
    }

    func testWrongFigureExitsOneWithAJUnitFailureGivingExpectedAndComputed() throws {
        let f = Self.fixtures[0]
        let tmp = TemporaryDirectory()
        // Keras computed 0.958333 (345 of 360); 0.9584 is off by one in the fourth decimal.
        let r = try WeightBridgeBinary.run(
            arguments(f, expect: ["accuracy=0.9584", "macro_f1=0.9585"]) + ["--junit", tmp.file("v.xml").path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("verify: FAIL: 2 of 3"), r.stdout)
        let failures = try junitDocument(tmp.file("v.xml")).nodes(forXPath: "//testcase[@name='accuracy']/failure")
        XCTAssertEqual(failures.count, 1)
        let message = try XCTUnwrap((failures.first as? XMLElement)?.attribute(forName: "message")?.stringValue)
        XCTAssertEqual(message, "expected 0.9584, computed 0.9583 (4 decimals)")
        let percent = try WeightBridgeBinary.run(arguments(f, expect: ["accuracy=95.83%"]))
        XCTAssertEqual(percent.status, 0, percent.stdout)
    }

    func testPerturbedReferenceExitsOneAndNamesTheWorstElement() throws {
        let tmp = TemporaryDirectory()
        _ = try runPython(
            """
            import numpy as np, sys
            p = np.load(sys.argv[1]); p[7, 3] += np.float32(1e-3); p[200, 1] += np.float32(2e-5)
            np.save(sys.argv[2], p)
            """, args: [verifyFile("digits_cnn_outputs.npy"), tmp.file("perturbed.npy").path])
        let f = Self.fixtures[0]
        let r = try WeightBridgeBinary.run(
            arguments(f, expect: ["accuracy=0.9583"], reference: tmp.file("perturbed.npy").path) + ["--junit", tmp.file("v.xml").path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains(" at [7, 3]: "), r.stdout)
        XCTAssertTrue(r.stdout.contains("2 of 3600 beyond tolerance"), r.stdout)
        let failure = try XCTUnwrap(
            try junitDocument(tmp.file("v.xml")).nodes(forXPath: "//testcase[@name='outputs match perturbed.npy']/failure").first
                as? XMLElement)
        XCTAssertTrue(failure.attribute(forName: "message")?.stringValue?.contains("at [7, 3]") ?? false, failure.xmlString)
    }

    func testLabelsAsSeparateNpyFilesAndOneHotRowsGiveTheSameFigures() throws {
        let tmp = TemporaryDirectory()
        _ = try runPython(
            """
            import numpy as np, sys, os
            d = np.load(sys.argv[1])
            np.save(os.path.join(sys.argv[2], 'x.npy'), d['x'])
            np.save(os.path.join(sys.argv[2], 'y_onehot.npy'), np.eye(2, dtype=np.float32)[d['y']])
            np.savez(os.path.join(sys.argv[2], 'renamed.npz'), features=d['x'], target=d['y'].astype(np.uint8))
            """, args: [verifyFile("cancer_test.npz"), tmp.url.path])
        let accuracy = "accuracy=" + String(format: "%.4f", try reportedFigures("cancer_mlp")["accuracy"]!)
        let model = verifyFile("cancer_mlp.h5")
        let pair = try WeightBridgeBinary.run([
            "verify", model, "--x", tmp.file("x.npy").path, "--y", tmp.file("y_onehot.npy").path, "--expect", accuracy,
        ])
        XCTAssertEqual(pair.status, 0, pair.stdout + pair.stderr)
        let renamed = try WeightBridgeBinary.run([
            "verify", model, "--data", tmp.file("renamed.npz").path, "--x-name", "features", "--y-name", "target", "--expect", accuracy,
        ])
        XCTAssertEqual(renamed.status, 0, renamed.stdout + renamed.stderr)
    }

    func testManifestWrittenAsJSONKeepsTheWrittenPrecision() throws {
        let tmp = TemporaryDirectory()
        try FileManager.default.copyItem(at: FixturePaths.fixture("verify"), to: tmp.file("verify"))
        // 0.9580 is four decimals: 0.958333 does not round to it, so the check must fail (as 0.958 would pass).
        let json = """
            {"checks": [{"name": "digits", "model": "digits_cnn.h5", "dataset": {"data": "digits_test.npz"},
              "preprocessing": {"scale": "1/16", "reshape": [8, 8, 1]}, "expect": {"accuracy": 0.9580}}]}
            """
        try json.write(to: tmp.file("verify/checks.json"), atomically: true, encoding: .utf8)
        let r = try WeightBridgeBinary.run(["verify", "--manifest", tmp.file("verify/checks.json").path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        try json.replacingOccurrences(of: "0.9580", with: "0.958").write(
            to: tmp.file("verify/checks.json"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try WeightBridgeBinary.run(["verify", "--manifest", tmp.file("verify/checks.json").path]).status, 0)
    }

    func testBadInputsGiveOneLineErrorsAndExitTwo() throws {
        let tmp = TemporaryDirectory()
        let digits = verifyFile("digits_cnn.h5")
        assertOneLineError(
            try WeightBridgeBinary.run(["verify", digits, "--data", verifyFile("cancer_test.npz"), "--expect", "accuracy=0.9"]),
            mentioning: "the model takes samples of shape (8, 8, 1)")
        assertOneLineError(
            try WeightBridgeBinary.run([
                "verify", digits, "--data", verifyFile("digits_test.npz"), "--y-name", "labels", "--expect", "accuracy=0.9",
            ]),
            mentioning: "no member 'labels'")
        try "checks:\n  - model: digits_cnn.h5\n    dataset: {data: digits_test.npz}\n    expect: {accuracy: 0.95}\n    tolerance: 3\n"
            .write(to: tmp.file("bad.yml"), atomically: true, encoding: .utf8)
        assertOneLineError(
            try WeightBridgeBinary.run(["verify", "--manifest", tmp.file("bad.yml").path]), mentioning: "checks[0]: unknown key 'tolerance'"
        )
        let usage = try WeightBridgeBinary.run(["verify", digits, "--data", verifyFile("digits_test.npz"), "--expect", "acuracy=0.9"])
        XCTAssertEqual(usage.status, 64, usage.stderr)
        XCTAssertTrue(usage.stderr.contains("unknown figure 'acuracy'"), usage.stderr)
    }

    /// A `.keras` archive of the same model verifies exactly as its `.h5` twin.
    func testKerasZipFilesVerifyLikeTheirH5Twins() throws {
        for f in Self.fixtures where f.model.hasSuffix(".h5") {
            var keras = f
            keras.model = f.model.replacingOccurrences(of: ".h5", with: ".keras")
            let figures = try reportedFigures(f.name)
            let r = try WeightBridgeBinary.run(arguments(keras, expect: ["accuracy=" + String(format: "%.4f", figures["accuracy"]!)]))
            XCTAssertEqual(r.status, 0, "\(keras.model): \(r.stdout)\(r.stderr)")
        }
    }

    func testSeedManifestReproducesPlainVerify() throws {
        _ = try FixturePaths.sharedFile("seed/mlp_weights.npz")
        _ = try FixturePaths.sharedFile("seed/cnn_model.h5")
        let r = try WeightBridgeBinary.run(["verify", "--manifest", FixturePaths.fixture("seed/verify.yml").path, "--json"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let models = try XCTUnwrap(j["models"] as? [[String: Any]])
        XCTAssertEqual(models.compactMap { $0["model"] as? String }, ["mlp", "cnn"])
        XCTAssertEqual(models.map { ($0["figures"] as? [Any])?.count ?? 0 }, [42, 42])
    }

    func testEvaluateOnOwnDataGivesScikitLearnsConfusionMatrixAndReport() throws {
        let out = try runPython(
            """
            import numpy as np, sys, json
            from sklearn.metrics import confusion_matrix, classification_report
            d = np.load(sys.argv[1]); p = np.load(sys.argv[2])
            pred = p.argmax(axis=1)
            print(json.dumps({"confusion": confusion_matrix(d['y'], pred, labels=list(range(10))).tolist(),
                              "report": classification_report(d['y'], pred, digits=2, zero_division=0)}))
            """, args: [verifyFile("digits_test.npz"), verifyFile("digits_cnn_outputs.npy")])
        let sk = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let f = Self.fixtures[0]
        let json = try WeightBridgeBinary.run(
            ["evaluate", verifyFile(f.model), "--data", verifyFile(f.data)] + f.preprocessing + ["--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(j["confusionMatrix"] as? [[Int]], sk["confusion"] as? [[Int]])
        XCTAssertEqual(j["rows"] as? Int, 360)
        let human = try WeightBridgeBinary.run(["evaluate", verifyFile(f.model), "--data", verifyFile(f.data)] + f.preprocessing)
        XCTAssertEqual(human.status, 0, human.stderr)
        XCTAssertTrue(human.stdout.contains(try XCTUnwrap(sk["report"] as? String)), human.stdout)
        XCTAssertTrue(human.stdout.contains("confusion matrix (rows: true label, columns: predicted)"), human.stdout)
    }

    func testModelOnABuiltInMNISTSplitVerifiesInOneCommand() throws {
        let cnn = try FixturePaths.sharedFile("seed/cnn_model.h5")
        let r = try WeightBridgeBinary.run([
            "verify", cnn.path, "--split", "test", "--expect", "accuracy=0.9929", "--expect", "support_7=1028",
        ])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("verify: PASS: 2 of 2"), r.stdout)
    }

    func testBrokenReportedFileNamesTheMissingKey() throws {
        let tmp = TemporaryDirectory()
        try #"{"schema": 1, "source": "x", "mlp": {}}"#.write(to: tmp.file("reported.json"), atomically: true, encoding: .utf8)
        let r = try WeightBridgeBinary.run([
            "verify", "--mlp", try FixturePaths.sharedFile("seed/mlp_weights.npz").path, "--cnn",
            try FixturePaths.sharedFile("seed/cnn_model.h5").path,
            "--reported", tmp.file("reported.json").path,
        ])
        assertOneLineError(r, mentioning: "not a reported-figures file: missing key 'file' at mlp")
    }
}
