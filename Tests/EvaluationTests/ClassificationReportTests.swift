import Evaluation
import Foundation
import TestSupport
import XCTest

/// Parity with scikit-learn's confusionMatrix and classification_report, from
/// Fixtures/eval/reports.json (written by Fixtures/generate/mnist_fixtures.py).
final class ClassificationReportTests: XCTestCase {
    /// A value of sklearn's `output_dict`: a number (accuracy) or a row of numbers.
    enum DictValue: Decodable {
        case number(Double)
        case row([String: Double])

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let v = try? container.decode(Double.self) {
                self = .number(v)
            } else {
                self = .row(try container.decode([String: Double].self))
            }
        }
    }

    struct Case: Decodable {
        let name: String
        let classes: Int
        let targetNames: [String]?
        let yTrue: [Int]
        let yPred: [Int]
        let confusionMatrix: [[Int]]
        let text2: String
        let text4: String
        let dict: [String: DictValue]
    }

    struct Fixture: Decodable { let cases: [Case] }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    static func cases() throws -> [Case] {
        try Self.decoder.decode(Fixture.self, from: Data(contentsOf: FixturePaths.fixture("eval/reports.json"))).cases
    }

    private func report(_ c: Case) -> ClassificationReport {
        ClassificationReport(
            confusion: ConfusionMatrix(labels: c.yTrue, predictions: c.yPred, classes: c.classes), classNames: c.targetNames)
    }

    func testConfusionMatrixEqualsSklearn() throws {
        for c in try Self.cases() {
            let m = ConfusionMatrix(labels: c.yTrue, predictions: c.yPred, classes: c.classes)
            XCTAssertEqual(m.counts, c.confusionMatrix, c.name)
            XCTAssertEqual(m.total, c.yTrue.count, c.name)
        }
    }

    func testTextEqualsSklearnWithTwoAndFourDigits() throws {
        let cases = try Self.cases()
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            XCTAssertEqual(report(c).text(digits: 2), c.text2, c.name)
            XCTAssertEqual(report(c).text(digits: 4), c.text4, c.name)
        }
    }

    func testValuesEqualSklearnOutputDictExactly() throws {
        for c in try Self.cases() {
            let r = report(c)
            guard case .number(let accuracy)? = c.dict["accuracy"] else { return XCTFail("\(c.name): no accuracy") }
            XCTAssertEqual(r.accuracy, accuracy, c.name)
            XCTAssertEqual(ConfusionMatrix(labels: c.yTrue, predictions: c.yPred, classes: c.classes).accuracy, accuracy, c.name)
            for row in r.rows + [r.macroAverage, r.weightedAverage] {
                guard case .row(let expected)? = c.dict[row.label] else { return XCTFail("\(c.name): no row \(row.label)") }
                XCTAssertEqual(row.precision, expected["precision"], "\(c.name) \(row.label)")
                XCTAssertEqual(row.recall, expected["recall"], "\(c.name) \(row.label)")
                XCTAssertEqual(row.f1Score, expected["f1-score"], "\(c.name) \(row.label)")
                XCTAssertEqual(Double(row.support), expected["support"], "\(c.name) \(row.label)")
            }
            XCTAssertEqual(c.dict.count, r.rows.count + 3, c.name)
        }
    }

    func testZeroDivisionGivesZero() throws {
        // Class 1 is never predicted and class 2 never occurs.
        let r = ClassificationReport(confusion: ConfusionMatrix(labels: [0, 0, 1], predictions: [0, 0, 0], classes: 3))
        XCTAssertEqual(r.rows[1].precision, 0)
        XCTAssertEqual(r.rows[2].recall, 0)
        XCTAssertEqual(r.rows[2].f1Score, 0)
        XCTAssertEqual(r.rows[0].precision, 2.0 / 3.0)
    }

    func testReportRoundTripsThroughJSON() throws {
        let r = report(try Self.cases()[0])
        let decoded = try JSONDecoder().decode(ClassificationReport.self, from: JSONEncoder().encode(r))
        XCTAssertEqual(decoded, r)
    }

    func testRefusesMismatchedOrOutOfRangeInput() {
        XCTAssertThrowsError(try ConfusionMatrix(validatingLabels: [0, 1], predictions: [0], classes: 2)) { error in
            XCTAssertEqual(error as? EvaluationError, .lengthMismatch(labels: 2, predictions: 1))
        }
        XCTAssertThrowsError(try ConfusionMatrix(validatingLabels: [0, 1], predictions: [0, 10], classes: 10)) { error in
            XCTAssertEqual(error as? EvaluationError, .classOutOfRange(what: "prediction", index: 1, value: 10, classes: 10))
            XCTAssertEqual(error.localizedDescription, "prediction 1 is 10, expected a class in 0..<10")
        }
    }
}
