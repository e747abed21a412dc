import XCTest
import TestSupport

final class BridgeTestsPlaceholder: XCTestCase {
    func testFixturesDirectoryExists() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: FixturePaths.fixtures.path))
    }
}
