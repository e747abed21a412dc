import Foundation
import SafeTensorsFormat
import TestSupport
import XCTest

/// Crafted headers (Fixtures/safetensors/bad_*, which the real `safetensors` package refuses too) are
/// refused with the error that names what is wrong, from the header alone.
final class SafeTensorsHostileInputTests: XCTestCase {
    private func refusal(_ name: String) throws -> SafeTensorsError {
        let url = FixturePaths.fixture("safetensors/\(name)")
        do {
            let file = try SafeTensorsFile(url: url)
            XCTFail("\(name) opened with tensors \(file.names)")
            throw XCTSkip("unreachable")
        } catch let error as SafeTensorsError {
            let message = error.errorDescription ?? ""
            XCTAssertTrue(message.hasPrefix(url.path), message)
            XCTAssertFalse(message.contains("\n"), message)
            return error
        }
    }

    private func path(_ name: String) -> String { FixturePaths.fixture("safetensors/\(name)").path }

    func testRefusesFilesShorterThanTheLengthField() throws {
        XCTAssertEqual(try refusal("bad_too_small.safetensors"), .headerTooSmall(file: path("bad_too_small.safetensors"), size: 3))
    }

    func testRefusesHeaderLengthsOverTheReferenceLimitBeforeAllocating() throws {
        XCTAssertEqual(
            try refusal("bad_header_too_large.safetensors"),
            .headerTooLarge(file: path("bad_header_too_large.safetensors"), length: 100_000_001, limit: 100_000_000))
    }

    func testRefusesHeaderLengthsPastTheEndOfTheFile() throws {
        XCTAssertEqual(
            try refusal("bad_header_past_end.safetensors"),
            .headerPastEnd(file: path("bad_header_past_end.safetensors"), length: 4096, fileSize: 16))
    }

    func testRefusesGapsAndOverlapsBetweenTensors() throws {
        XCTAssertEqual(
            try refusal("bad_gap.safetensors"),
            .invalidOffsets(file: path("bad_gap.safetensors"), tensor: "b", begin: 8, end: 12, expectedBegin: 4))
        XCTAssertEqual(
            try refusal("bad_overlap.safetensors"),
            .invalidOffsets(file: path("bad_overlap.safetensors"), tensor: "b", begin: 4, end: 8, expectedBegin: 8))
    }

    func testRefusesOffsetsThatAreNotShapeTimesItemSize() throws {
        XCTAssertEqual(
            try refusal("bad_size_mismatch.safetensors"),
            .sizeMismatch(file: path("bad_size_mismatch.safetensors"), tensor: "a", shape: [3], dtype: "F32", bytes: 8))
    }

    func testRefusesBuffersTheTensorsDoNotCoverExactly() throws {
        XCTAssertEqual(
            try refusal("bad_incomplete_buffer.safetensors"),
            .incompleteBuffer(file: path("bad_incomplete_buffer.safetensors"), tensorBytes: 8, bufferBytes: 12))
        XCTAssertEqual(
            try refusal("bad_huge_claim.safetensors"),
            .incompleteBuffer(file: path("bad_huge_claim.safetensors"), tensorBytes: 1 << 50, bufferBytes: 8))
    }

    func testRefusesShapesWhoseByteCountOverflows() throws {
        XCTAssertEqual(
            try refusal("bad_huge_shape.safetensors"),
            .shapeOverflow(file: path("bad_huge_shape.safetensors"), tensor: "a", shape: [1 << 40, 1 << 40]))
    }

    func testRefusesMalformedHeaders() throws {
        for (name, reason) in [
            ("bad_metadata_not_string.safetensors", "__metadata__ value of 'epochs' is a number, expected a string"),
            ("bad_deep_json.safetensors", "JSON nested deeper than 64 levels"),
            ("bad_not_json.safetensors", "not UTF-8"),
            ("bad_not_utf8.safetensors", "not UTF-8"),
            ("bad_negative_dim.safetensors", "'shape' holds a number that is not a non-negative integer"),
            ("bad_duplicate_name.safetensors", "'a' appears more than once"),
        ] {
            guard case .invalidHeader(_, let why) = try refusal(name) else {
                XCTFail("\(name): not an invalid header")
                continue
            }
            XCTAssertTrue(why.contains(reason), "\(name): \(why)")
        }
    }

    func testRefusesDTypesItDoesNotReadByName() throws {
        XCTAssertEqual(
            try refusal("unsupported_f8.safetensors"),
            .unsupportedDType(file: path("unsupported_f8.safetensors"), tensor: "a", dtype: "F8_E4M3"))
    }
}
