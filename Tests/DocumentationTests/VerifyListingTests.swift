import Foundation
import TestSupport
import WeightBridge
import XCTest

/// The listing of the article "Verifying in CI": the manifest `weightbridge verify --manifest` runs, from Swift.
final class VerifyListingTests: ListingTestCase {
    func testManifestListingPassesAndWritesJUnit() throws {
        // listing: verify-manifest
        // Every model, dataset and expected figure of a manifest, checked as `weightbridge verify --manifest` does.
        let manifest = try VerificationManifest.load(URL(fileURLWithPath: "Fixtures/verify/checks.yml"))
        let results = try manifest.run(mnist: { try MNISTDataset.load(directory: URL(fileURLWithPath: "Fixtures/mnist")) })
        try JUnitReport.write(results, to: URL(fileURLWithPath: "verify.xml"))  // GitHub Actions, GitLab, Jenkins show it
        for result in results {
            for check in result.checks where !check.pass {
                print("\(result.model): \(check.name) reported \(check.reported), computed \(check.computed)")
            }
        }
        let allPass = results.allSatisfy(\.pass)
        // end listing
        XCTAssertTrue(allPass)
        XCTAssertEqual(results.map(\.model), ["digits_cnn", "cancer_mlp", "wine_mlp"])
        let xml = try String(contentsOf: try written("verify.xml"), encoding: .utf8)
        XCTAssertTrue(xml.contains("<testsuite") && !xml.contains("<failure"), xml)
    }
}
