import XCTest
import TestSupport

final class KerasFormatTestsPlaceholder: XCTestCase {
    func testFixturesDirectoryExists() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: FixturePaths.fixtures.path))
    }
}
