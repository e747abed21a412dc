import XCTest
import TestSupport

final class EvaluationTestsPlaceholder: XCTestCase {
    func testFixturesDirectoryExists() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: FixturePaths.fixtures.path))
    }
}
