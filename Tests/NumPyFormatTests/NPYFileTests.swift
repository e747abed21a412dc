import Foundation
import NumPyFormat
import SafeIO
import TestSupport
import XCTest

final class NPYFileTests: XCTestCase {
    private func fixture(_ name: String) -> URL { FixturePaths.fixture("npy/\(name)") }

    func testReadsEveryNumpyFixtureWithExactValues() throws {
        let all = Expected.npy
        XCTAssertGreaterThanOrEqual(all.count, 30)
        for (name, expected) in all {
            let array = try NPYFile.read(fixture(name))
            try assertMatches(array, expected, name)
            let header = try NPYFile.decodeHeader(try Data(contentsOf: fixture(name)), source: name)
            XCTAssertEqual(header.version, ["1.0": .v1, "2.0": .v2, "3.0": .v3][expected.version]!, name)
            XCTAssertEqual(header.headerLength % 64, 0, name)
        }
    }

    func testReadsBigEndianFloat64() throws {
        let array = try NPYFile.read(fixture("dtype_f8_be.npy"))
        XCTAssertEqual(array.dtype, NPYDType(.float64, byteOrder: .big))
        XCTAssertEqual(array.dtype.descr, ">f8")
        XCTAssertEqual(try array.doubles()[2], 0.1)
    }

    func testFortranOrder3DKeepsStorageAndGivesCOrderValues() throws {
        let array = try NPYFile.read(fixture("fortran_3d_f8.npy"))
        XCTAssertTrue(array.fortranOrder)
        XCTAssertEqual(array.shape, [2, 3, 4])
        // numpy: arange(24).reshape(2,3,4)*0.5-3 in C order, whatever the storage.
        XCTAssertEqual(try array.doubles(), (0..<24).map { Double($0) * 0.5 - 3 })
        // The raw storage is still column-major: the second stored element is [1,0,0] = 12*0.5-3.
        let stored = array.data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: Double.self) }
        XCTAssertEqual(stored, 3.0)
    }

    func testZeroDimensionalAndEmptyArrays() throws {
        let scalar = try NPYFile.read(fixture("scalar_0d_f8.npy"))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.count, 1)
        XCTAssertEqual(try scalar.doubles(), [3.25])
        let empty = try NPYFile.read(fixture("empty_0x3_f4.npy"))
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.count, 0)
        XCTAssertEqual(try empty.floats(), [])
        XCTAssertEqual(try NPYFile.read(fixture("empty_1d_u1.npy")).uint8s(), [])
    }

    /// Swift's encoding of each version-1.0 fixture equals the bytes numpy wrote, padding included.
    func testEncodeIsByteIdenticalToNumpy() throws {
        var compared = 0
        for (name, expected) in Expected.npy where expected.version == "1.0" {
            let bytes = try Data(contentsOf: fixture(name))
            let array = try NPYFile.decode(bytes, source: name)
            XCTAssertEqual(try NPYFile.encode(array), bytes, name)
            // Built from the values alone (not the file's bytes), where Double holds them exactly.
            if !expected.fortranOrder, expected.descr.dropFirst() != "i8", expected.descr.dropFirst() != "u8" {
                let built = try NPYArray(shape: expected.shape, values: expected.doubles, dtype: NPYDType(descr: expected.descr))
                XCTAssertEqual(try NPYFile.encode(built), bytes, "\(name) from values")
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 20)
    }

    func testFloat32InitializerMatchesNumpyBytes() throws {
        let bytes = try Data(contentsOf: fixture("random_c_f4.npy"))
        let values = try NPYFile.decode(bytes, source: "random").floats()
        XCTAssertEqual(try NPYFile.encode(NPYArray(shape: [7, 5], float32: values)), bytes)
    }

    func testRoundTripsThroughFileAndRefusesOverwriteWhenAsked() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("a.npy")
        let array = NPYArray(shape: [2, 2], float64: [1, 2, 3, 4])
        try NPYFile.write(array, to: url)
        XCTAssertEqual(try NPYFile.read(url), array)
        XCTAssertThrowsError(try NPYFile.write(array, to: url, overwrite: false)) { error in
            XCTAssertEqual(error as? SafeIOError, .exists(file: url.path))
        }
    }

    func testHeaderNeedsOnlyThePrefix() throws {
        let bytes = try Data(contentsOf: fixture("rank4_i2.npy"))
        let header = try NPYFile.decodeHeader(bytes.prefix(128), source: "rank4")
        XCTAssertEqual(header.shape, [2, 3, 4, 5])
        XCTAssertEqual(header.count, 120)
        XCTAssertEqual(header.byteCount, 240)
        XCTAssertEqual(header.headerLength, 128)
        XCTAssertThrowsError(try NPYFile.decodeHeader(bytes.prefix(20), source: "rank4")) { error in
            XCTAssertEqual(error as? NPYError, .truncatedHeader(file: "rank4", needed: 128, available: 20))
        }
    }

    func testParsesHeaderLiteralVariants() throws {
        func header(_ text: String) throws -> NPYHeader {
            var bytes = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
            let body = Array(text.utf8) + [0x0A]
            bytes.append(contentsOf: [UInt8(body.count & 0xFF), UInt8(body.count >> 8)])
            bytes.append(contentsOf: body)
            return try NPYFile.decodeHeader(bytes, source: "t")
        }
        XCTAssertEqual(try header("{\"descr\": \"<f4\", \"fortran_order\": True, \"shape\": (5,)}").shape, [5])
        XCTAssertEqual(try header("{'shape': (), 'descr': '|b1', 'fortran_order': False}").shape, [])
        XCTAssertEqual(try header("{'descr':'>u2','fortran_order':False,'shape':(3L, 4L),}").shape, [3, 4])
        XCTAssertThrowsError(try header("{'descr': '<f4', 'fortran_order': False, 'shape': (5)}"))
        XCTAssertThrowsError(try header("{'descr': '<f4', 'fortran_order': 0, 'shape': (5,)}"))
        XCTAssertThrowsError(try header("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), 'x': 1}"))
        XCTAssertThrowsError(try header("{'descr': '<f4', 'fortran_order': False, 'shape': (5,)} junk"))
    }

    func testDTypeDescrs() throws {
        XCTAssertEqual(NPYDType(.uint8, byteOrder: .big).descr, "|u1")
        XCTAssertEqual(NPYDType(.bool).descr, "|b1")
        XCTAssertEqual(NPYDType(.int16, byteOrder: .big).descr, ">i2")
        XCTAssertEqual(try NPYDType(descr: "<i1"), NPYDType(.int8))
        XCTAssertEqual(NPYDType.float32.descr, "<f4")
        XCTAssertThrowsError(try NPYDType(descr: "|f8"))
        XCTAssertThrowsError(try NPYDType(descr: "<M8[ns]"))
    }

    func testValueConversionRefusesWhatTheDTypeCannotHold() throws {
        XCTAssertThrowsError(try NPYArray(shape: [1], values: [1.5], dtype: NPYDType(.int32)))
        XCTAssertThrowsError(try NPYArray(shape: [1], values: [256], dtype: .uint8))
        XCTAssertThrowsError(try NPYArray(shape: [1], values: [2], dtype: NPYDType(.bool)))
        XCTAssertThrowsError(try NPYArray(shape: [2], values: [1], dtype: .float64))
        XCTAssertThrowsError(try NPYArray(dtype: .float64, shape: [2], data: Data(count: 8)))
        XCTAssertThrowsError(try NPYArray(shape: [1], float64: [1]).uint8s())
    }

    // MARK: - Refusals

    private func assertRefuses(_ name: String, _ expected: (String) -> NPYError, file: StaticString = #filePath, line: UInt = #line) {
        let url = fixture(name)
        XCTAssertThrowsError(try NPYFile.read(url), file: file, line: line) { error in
            XCTAssertEqual(error as? NPYError, expected(url.path), file: file, line: line)
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(message.hasPrefix(url.path + ": "), message, file: file, line: line)
            XCTAssertFalse(message.contains("\n"), file: file, line: line)
        }
        // The in-memory decoder refuses the same way.
        XCTAssertThrowsError(try NPYFile.decode(try Data(contentsOf: url), source: url.path), file: file, line: line) { error in
            XCTAssertEqual(error as? NPYError, expected(url.path), file: file, line: line)
        }
    }

    func testRefusesObjectArraysWithoutUnpickling() {
        assertRefuses("bad_object.npy") { .objectArray(file: $0, descr: "|O") }
        let message = NPYError.objectArray(file: "f.npy", descr: "|O").errorDescription!
        XCTAssertEqual(message, "f.npy: object arrays (descr '|O') need pickle, which WeightBridge never runs")
    }

    func testRefusesStructuredComplexAndUnknownDTypes() {
        assertRefuses("bad_structured.npy") { .structuredDType(file: $0, descr: "[('x', '<f4'), ('y', '<i2')]") }
        assertRefuses("bad_complex.npy") { .complexDType(file: $0, descr: "<c16") }
        assertRefuses("bad_complex8.npy") { .complexDType(file: $0, descr: "<c8") }
        assertRefuses("bad_unicode.npy") { .unknownDType(file: $0, descr: "<U2") }
    }

    func testRefusesBadMagicVersionAndTruncation() {
        assertRefuses("bad_magic.npy") { .badMagic(file: $0, found: "0x934e554d505a") }
        assertRefuses("bad_version.npy") { .unsupportedVersion(file: $0, major: 4, minor: 0) }
        assertRefuses("bad_truncated_data.npy") { .truncatedData(file: $0, expectedBytes: 48, foundBytes: 43) }
        assertRefuses("bad_truncated_header.npy") { .truncatedHeader(file: $0, needed: 128, available: 40) }
    }

    func testRefusesMalformedAndOverlongHeaders() {
        assertRefuses("bad_long_header.npy") { .headerTooLong(file: $0, length: 20084, limit: 10000) }
        for name in ["bad_malformed_header.npy", "bad_call_header.npy", "bad_missing_key.npy"] {
            XCTAssertThrowsError(try NPYFile.read(fixture(name))) { error in
                guard case .malformedHeader = error as? NPYError else { return XCTFail("\(name): \(error)") }
            }
        }
    }

    func testRefusesNegativeOverflowingAndHugeShapesBeforeAllocating() {
        assertRefuses("bad_negative_shape.npy") { .negativeDimension(file: $0, shape: [3, -4]) }
        assertRefuses("bad_overflow_shape.npy") { .shapeOverflow(file: $0, shape: "[4294967296, 4294967296]") }
        assertRefuses("bad_huge_shape.npy") { .arrayTooLarge(file: $0, bytes: 8 << 40, limit: 4 << 30) }
        // Under a generous limit the same file is refused for holding far fewer bytes than claimed.
        let url = fixture("bad_huge_shape.npy")
        XCTAssertThrowsError(try NPYFile.read(url, limits: ResourceLimits(maxArrayBytes: .max))) { error in
            XCTAssertEqual(error as? NPYError, .truncatedData(file: url.path, expectedBytes: 8 << 40, foundBytes: 64))
        }
    }
}
