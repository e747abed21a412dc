import Foundation
import SafeIO
import XCTest

/// `WeightBridgeError`: every error renders as `file: problem`, with its causes appended once, and says "over a
/// limit" one way.
final class WeightBridgeErrorTests: XCTestCase {
    /// A two-level error for the chain tests: a file (or none), a problem and a cause.
    private struct Wrapping: WeightBridgeError {
        var fileAndProblem: (file: String?, problem: String)
        var underlyingError: Error?
    }

    private struct Plain: Error, CustomStringConvertible {
        var description: String { "plain failure" }
    }

    func testRendersFileThenProblem() {
        XCTAssertEqual(SafeIOError.exists(file: "out.npz").localizedDescription, "out.npz: already exists")
        XCTAssertEqual(Wrapping(fileAndProblem: (nil, "no file here"), underlyingError: nil).message, "no file here")
    }

    func testAppendsACauseAboutTheSameFileWithoutRepeatingTheFile() {
        let cause = SafeIOError.cannotOpen(file: "x.h5", reason: "Permission denied")
        let error = Wrapping(fileAndProblem: ("x.h5", "model_config"), underlyingError: cause)
        XCTAssertEqual(error.localizedDescription, "x.h5: model_config: cannot open (Permission denied)")
    }

    func testNamesACausesFileWhenItIsAnotherFile() {
        let cause = SafeIOError.cannotOpen(file: "arch.json", reason: "No such file or directory")
        let error = Wrapping(fileAndProblem: ("weights.h5", "architecture"), underlyingError: cause)
        XCTAssertEqual(error.message, "weights.h5: architecture: arch.json: cannot open (No such file or directory)")
    }

    func testFollowsTheWholeChainAndEndsWithAForeignErrorsDescription() {
        let innermost = Wrapping(fileAndProblem: (nil, "layer 'd'"), underlyingError: Plain())
        let middle = Wrapping(fileAndProblem: ("x.h5", "model_config"), underlyingError: innermost)
        let outer = Wrapping(fileAndProblem: ("x.h5", "cannot load"), underlyingError: middle)
        XCTAssertEqual(outer.message, "x.h5: cannot load: model_config: layer 'd': plain failure")
        XCTAssertNotNil(outer.underlyingError as? Wrapping)
    }

    func testSaysOverALimitOneWayWithItsUnit() {
        XCTAssertEqual(
            ResourceLimits.overLimit(2_000_028, limit: 1_048_576, unit: "bytes"), "2000028 bytes, over the limit of 1048576 bytes")
        XCTAssertEqual(
            ResourceLimits.overLimit(65, limit: 64, unit: "dimensions", whose: "NumPy's"),
            "65 dimensions, over NumPy's limit of 64 dimensions")
        XCTAssertEqual(ResourceLimits.overLimit(UInt64(1) << 40, limit: 1 << 31, unit: ""), "1099511627776, over the limit of 2147483648")
        let count = SafeIOError.limitExceeded(file: "x.h5", what: "the number of weights", value: 65537, limit: 65536, unit: "")
        XCTAssertEqual(count.message, "x.h5: the number of weights is 65537, over the limit of 65536")
        let size = SafeIOError.limitExceeded(file: "a.json", what: nil, value: 1000, limit: 999, unit: "bytes")
        XCTAssertEqual(size.message, "a.json: is 1000 bytes, over the limit of 999 bytes")
    }

    func testLibraryErrorsNameNoCommandLineFlag() {
        // `--force` is the CLI's to add (CLITests check that it does).
        XCTAssertFalse(SafeIOError.exists(file: "out.npz").message.contains("--"))
    }
}
