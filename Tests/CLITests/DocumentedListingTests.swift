import Foundation
import TestSupport
import XCTest

/// Swift listings in the documentation are code the test suite runs: each must appear verbatim in the example
/// package that `make test` builds and runs (`Docs/examples/ConsumerApp`).
final class DocumentedListingTests: XCTestCase {
    func testREADMEGraphListingIsTheConsumerAppsCode() throws {
        let root = FixturePaths.fixtures.deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let app = try String(
            contentsOf: root.appendingPathComponent("Docs/examples/ConsumerApp/Sources/ConsumerApp/main.swift"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let graphListing = try XCTUnwrap(blocks.first { $0.contains("GraphBuilder()") }, "the README has no graph listing")
        XCTAssertTrue(app.contains(graphListing), "Docs/examples/ConsumerApp does not run the README's graph listing verbatim")
    }
}
