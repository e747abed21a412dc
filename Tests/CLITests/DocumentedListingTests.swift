import Foundation
import TestSupport
import XCTest

/// Swift listings in the documentation are code the test suite runs: each must appear verbatim in the example
/// package that `make test` builds and runs (`Docs/examples/ConsumerApp`).
final class DocumentedListingTests: XCTestCase {
    func testEveryREADMESwiftListingIsTheConsumerAppsCode() throws {
        let root = FixturePaths.fixtures.deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let app = try String(
            contentsOf: root.appendingPathComponent("Docs/examples/ConsumerApp/Sources/ConsumerApp/main.swift"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        XCTAssertEqual(blocks.count, 2, "the README's Swift listings are the API tour and the graph listing")
        for (i, block) in blocks.enumerated() {
            XCTAssertTrue(app.contains(block), "Docs/examples/ConsumerApp does not run the README's Swift listing \(i + 1) verbatim")
        }
    }
}
