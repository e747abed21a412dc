import Foundation
import TestSupport
import XCTest

/// Every Swift listing in `Docs/training-api.md` and the DocC articles is code this target runs: each ```swift block
/// must be, character for character, one `// listing: NAME` ... `// end listing` region of a test in this
/// directory (its indentation removed). A listing edited in one place only fails here.
final class DocumentedListingsTests: XCTestCase {
    private var root: URL { FixturePaths.repoRoot }

    /// The documents whose listings are compiled: the training guide and every article of the DocC catalog.
    private func documents() throws -> [URL] {
        let catalog = root.appendingPathComponent("Sources/WeightBridge/WeightBridge.docc")
        let articles = try FileManager.default.contentsOfDirectory(at: catalog, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "md" }.sorted { $0.path < $1.path }
        return [root.appendingPathComponent("Docs/training-api.md")] + articles
    }

    /// The regions of the listing tests, by name, with their common indentation removed.
    private func listings() throws -> [String: String] {
        let directory = root.appendingPathComponent("Tests/DocumentationTests")
        var out: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        where file.pathExtension == "swift" && file.lastPathComponent != "DocumentedListingsTests.swift" {
            var name: String?
            var indent = 0
            var lines: [String] = []
            for line in try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("// listing: ") {
                    name = String(trimmed.dropFirst("// listing: ".count))
                    indent = line.prefix { $0 == " " }.count
                    lines = []
                } else if trimmed == "// end listing", let current = name {
                    XCTAssertNil(out[current], "listing \(current) is defined twice")
                    out[current] = lines.joined(separator: "\n") + "\n"
                    name = nil
                } else if name != nil {
                    lines.append(line.count >= indent ? String(line.dropFirst(indent)) : line.trimmingCharacters(in: .whitespaces))
                }
            }
            XCTAssertNil(name, "\(file.lastPathComponent): listing \(name ?? "") has no '// end listing'")
        }
        return out
    }

    func testEveryDocumentedSwiftListingIsCodeTheTestsRun() throws {
        let listings = try listings()
        XCTAssertGreaterThanOrEqual(listings.count, 10)
        var shown = Set<String>()
        for document in try documents() {
            let text = try String(contentsOf: document, encoding: .utf8)
            let blocks = text.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
            for block in blocks {
                let match = listings.first { $0.value == block }
                XCTAssertNotNil(match, "\(document.lastPathComponent): this listing is not a tested listing:\n\(block)")
                if let match { shown.insert(match.key) }
            }
        }
        XCTAssertEqual(Set(listings.keys).subtracting(shown), [], "tested listings that no document shows")
    }
}
