import XCTest
import TestSupport

final class NumPyFormatTestsPlaceholder: XCTestCase {
    func testFixturesDirectoryExists() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: FixturePaths.fixtures.path))
    }
}
