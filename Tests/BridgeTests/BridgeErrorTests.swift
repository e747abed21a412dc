import Bridge
import Foundation
import TestSupport
import XCTest

/// Bridge errors say what is missing and name no command-line flag (the CLI adds its flags).
final class BridgeErrorTests: XCTestCase {
    func testWeightsOnlyFileIsRefusedWithoutNamingAFlag() throws {
        let weights = FixturePaths.fixture("h5/tfkeras_mlp_weights.h5")
        XCTAssertThrowsError(try ModelFile.load(weights)) {
            XCTAssertEqual($0 as? BridgeError, .noArchitecture(file: weights.path))
            XCTAssertEqual($0.localizedDescription, "\(weights.path): holds weights only and no architecture")
        }
    }

    func testMessagesThatOnceNamedFlagsNoLongerDo() {
        for error in [BridgeError.noArchitecture(file: "w.h5"), .unknownInputShape(file: "w.h5"), .unknownBackend(file: "w.h5")] {
            XCTAssertTrue(error.localizedDescription.hasPrefix("w.h5: "), error.localizedDescription)
            XCTAssertFalse(error.localizedDescription.contains("--"), error.localizedDescription)
        }
    }
}
