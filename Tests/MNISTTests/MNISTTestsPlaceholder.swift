import XCTest
import TestSupport

final class MNISTTestsPlaceholder: XCTestCase {
    func testFixturesDirectoryExists() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: FixturePaths.fixtures.path))
    }
}
