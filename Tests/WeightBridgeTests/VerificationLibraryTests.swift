import Foundation
import TestSupport
import XCTest

@testable import WeightBridge

/// The verification library on hand-worked cases you can check on paper; parity with Keras and scikit-learn is
/// pinned end to end by CLITests/VerifyAnyModelTests on the fixtures Python made.
final class VerificationLibraryTests: XCTestCase {
    func testWrittenDigitsSetThePrecisionChecked() throws {
        let plain = try FigureExpectation(parsing: "accuracy=0.9812")
        XCTAssertEqual(plain.value, 0.9812)
        XCTAssertEqual(plain.decimals, 4)
        let percent = try FigureExpectation(parsing: "accuracy=98.12%")
        XCTAssertEqual(percent.value, 0.9812, accuracy: Tolerance.float64FewOperations)
        XCTAssertEqual(percent.decimals, 4)
        XCTAssertEqual(try FigureExpectation(parsing: "macro_f1=0.90").decimals, 2)
        XCTAssertEqual(try FigureExpectation(parsing: "support_3=1010").decimals, 0)
        XCTAssertEqual(try FigureExpectation(parsing: "top5_accuracy=.5").decimals, 1)
    }

    func testRefusesExponentsUnknownFiguresAndMissingValues() {
        XCTAssertThrowsError(try FigureExpectation(parsing: "accuracy=9.8e-1")) {
            XCTAssertEqual($0 as? FigureError, .notADecimal(name: "accuracy", value: "9.8e-1"))
        }
        XCTAssertThrowsError(try FigureExpectation(parsing: "acuracy=0.9")) { XCTAssertEqual($0 as? FigureError, .unknownName("acuracy")) }
        XCTAssertThrowsError(try FigureExpectation(parsing: "accuracy")) {
            XCTAssertEqual($0 as? FigureError, .notAnAssignment("accuracy"))
        }
        XCTAssertThrowsError(try FigureExpectation(parsing: "top0_accuracy=0.9"))
    }

    /// An identity model: its outputs are the features, so probabilities can be written by hand.
    func evaluation(_ rows: [[Float]], labels: [Int]) throws -> ModelEvaluation {
        let width = rows[0].count
        let model = try Sequential<Float>(inputShape: [width], layers: [.activation(.linear)])
        let dataset = try LabeledDataset(description: "hand", sampleShape: [width], features: rows.flatMap { $0 }, labels: labels)
        return try ModelEvaluation(model: .float32(model), dataset: dataset)
    }

    func testTopKCountsTiesAtTheBoundaryAsKerasInTopKDoes() throws {
        // Row 0: true class 2 is third highest -> in top 3, not top 2. Row 1: class 0 ties with the 2nd highest -> in top 2.
        // Row 2: true class 3 is the lowest -> in no top 3.
        let e = try evaluation([[0.5, 0.3, 0.2, 0.0], [0.25, 0.5, 0.25, 0.0], [0.4, 0.3, 0.2, 0.1]], labels: [2, 0, 3])
        XCTAssertEqual(e.topKAccuracy(1), 0)
        XCTAssertEqual(e.topKAccuracy(2), 1.0 / 3)
        XCTAssertEqual(e.topKAccuracy(3), 2.0 / 3)
        XCTAssertEqual(e.topKAccuracy(4), 1)
    }

    func testLossIsMeanCrossEntropyWithKerasClipping() throws {
        // -(ln 0.5 + ln 0.25) / 2; a zero probability is clipped to 1e-7 as Keras does.
        let e = try evaluation([[0.5, 0.5], [0.75, 0.25]], labels: [0, 1])
        // float32 inputs: 0.75 and 0.25 are exact
        XCTAssertEqual(e.loss, -(log(0.5) + log(0.25)) / 2, accuracy: Tolerance.kerasEpsilonClipping)
        let clipped = try evaluation([[1, 0]], labels: [1])
        XCTAssertEqual(clipped.loss, -log(1e-7), accuracy: Tolerance.float64ClippedLoss)
    }

    func testOneSigmoidOutputIsScoredAsTwoClasses() throws {
        let e = try evaluation([[0.9], [0.2], [0.6]], labels: [1, 0, 0])
        XCTAssertEqual(e.classes, 2)
        XCTAssertEqual(e.predictions, [1, 0, 1])
        XCTAssertEqual(e.accuracy, 2.0 / 3)
        XCTAssertEqual(e.outputs.count, 3, "outputs keep the model's own width for reference comparisons")
    }

    func testScaleOneOverNDividesAsNumPyDoes() throws {
        let divide = try XCTUnwrap(Preprocessing.Scale("1/255"))
        for v in 0...255 { XCTAssertEqual(Float(divide.apply(Double(v))), Float(v) / 255, "\(v)") }
        XCTAssertEqual(Preprocessing.Scale("0.0625"), .multiply(0.0625))
        XCTAssertNil(Preprocessing.Scale("1/0"))
        XCTAssertNil(Preprocessing.Scale("abc"))
    }

    func testManifestNamesTheEntryAndKeyThatIsWrong() {
        let base = URL(fileURLWithPath: "/project/ci")
        XCTAssertThrowsError(
            try VerificationManifest.parse(
                "checks:\n  - model: m.h5\n    dataset: {data: t.npz, labels: y}\n    expect: {accuracy: 0.9}\n", baseDirectory: base,
                source: "c.yml")
        ) {
            XCTAssertEqual(
                $0 as? ManifestError,
                .invalid(file: "c.yml", at: "checks[0].dataset", reason: "unknown key 'labels' (known: data, x_name, y_name, x, y, split)"))
        }
        XCTAssertThrowsError(
            try VerificationManifest.parse("checks:\n  - model: m.h5\n    dataset: {split: test}\n", baseDirectory: base, source: "c.yml")
        ) {
            XCTAssertEqual(
                $0 as? ManifestError,
                .invalid(file: "c.yml", at: "checks[0]", reason: "expects nothing: give 'expect' figures or a 'reference'"))
        }
    }

    func testManifestResolvesPathsAgainstItsDirectoryAndKeepsFigureOrder() throws {
        let m = try VerificationManifest.parse(
            "- model: ../m.h5\n  dataset: {x: x.npy, y: /data/y.npy}\n  expect: {loss: 0.10, accuracy: 0.900}\n",
            baseDirectory: URL(fileURLWithPath: "/project/ci"), source: "c.yml")
        guard case .model(let check) = try XCTUnwrap(m.entries.first) else { return XCTFail("a model check") }
        XCTAssertEqual(check.model.path, "/project/m.h5")
        XCTAssertEqual(check.dataset, .arrays(x: URL(fileURLWithPath: "/project/ci/x.npy"), y: URL(fileURLWithPath: "/data/y.npy")))
        XCTAssertEqual(check.expectations.map(\.name), ["loss", "accuracy"])
        XCTAssertEqual(check.expectations.map(\.decimals), [2, 3])
    }

    func testNumbersPrintAsAPersonWritesThem() {
        XCTAssertEqual(NumberText.short(Double(Float(0.001))), "0.001")
        XCTAssertEqual(NumberText.short(0.0010000000474974509), "0.001")  // Keras' float32 lr after a JSON round trip
        XCTAssertEqual(NumberText.short(0.1), "0.1")
        XCTAssertEqual(NumberText.short(1e-5), "1e-05")
        XCTAssertEqual(NumberText.short(3.0), "3")
    }

    func testJUnitEscapesTextAndCountsFailures() {
        let check = FigureCheck(model: "m<1>", name: "accuracy", reported: 0.9584, computed: 0.958333, decimals: 4)
        let ok = FigureCheck(model: "m<1>", name: "loss", reported: 0.1471, computed: 0.14709, decimals: 4)
        let result = SeedVerification.ModelResult(
            model: "m<1>", file: "a&b.h5", description: "\"quoted\"", evaluations: [], checks: [check, ok])
        let xml = JUnitReport.xml([result])
        XCTAssertTrue(xml.contains(#"<testsuites name="weightbridge verify" tests="2" failures="1""#), xml)
        XCTAssertTrue(xml.contains(#"<testsuite name="m&lt;1&gt;" tests="2" failures="1""#), xml)
        XCTAssertTrue(xml.contains(#"<failure message="expected 0.9584, computed 0.9583 (4 decimals)" type="FigureMismatch">"#), xml)
        XCTAssertTrue(xml.contains(#"value="a&amp;b.h5""#), xml)
        XCTAssertTrue(xml.contains(#"<testcase classname="m&lt;1&gt;" name="loss" time="0"/>"#), xml)
    }

    func testBuiltInSeedFiguresAreTheFixtureFile() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let file = try ReportedFigures.load(FixturePaths.fixture("seed/reported.json"))
        let builtIn = try ReportedFigures.builtInSeed()
        XCTAssertEqual(try encoder.encode(builtIn), try encoder.encode(file))
        XCTAssertEqual(builtIn.cnn.testAccuracy.reportedAs, file.cnn.testAccuracy.reportedAs)
    }
}
