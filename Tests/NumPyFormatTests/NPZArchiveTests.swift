import Foundation
import NumPyFormat
import SafeIO
import TestSupport
import XCTest

final class NPZArchiveTests: XCTestCase {
    private func fixture(_ name: String) -> URL { FixturePaths.fixture("npy/\(name)") }

    func testReadsSavezAndSavezCompressedWithExactValues() throws {
        for file in ["stored.npz", "compressed.npz", "zip_handmade_ok.npz"] {
            let (order, arrays) = Expected.npz(file)
            let archive = try NPZArchive(url: fixture(file))
            XCTAssertEqual(archive.names, order, file)
            for name in order {
                try assertMatches(try archive.array(name), arrays[name]!, "\(file):\(name)")
                let header = try archive.header(name)
                XCTAssertEqual(header.shape, arrays[name]!.shape)
                XCTAssertEqual(header.dtype.descr, arrays[name]!.descr)
            }
        }
    }

    func testNamesKeepSlashesDotsNonASCIIAndPositionalNames() throws {
        let archive = try NPZArchive(url: fixture("compressed.npz"))
        XCTAssertEqual(Set(archive.names), ["arr_0", "a/b.c", "poids_é", "W1", "mask"])
        XCTAssertEqual(try archive.array("a/b.c.npy").shape, [2, 3])  // the full member path works too
        XCTAssertThrowsError(try archive.array("nope")) { error in
            guard case .noSuchMember(_, "nope", _) = error as? NPZError else { return XCTFail("\(error)") }
        }
    }

    private func assertRefuses(
        _ name: String, limits: ResourceLimits = .default, member: String? = "x",
        _ expected: (String) -> NPZError, file: StaticString = #filePath, line: UInt = #line
    ) {
        let url = fixture(name)
        XCTAssertThrowsError(
            try {
                let archive = try NPZArchive(url: url, limits: limits)
                if let member { _ = try archive.array(member) }
            }(), file: file, line: line
        ) { error in
            XCTAssertEqual(error as? NPZError, expected(url.path), "\(error)", file: file, line: line)
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(message.hasPrefix(url.path), message, file: file, line: line)
            XCTAssertFalse(message.contains("\n"), file: file, line: line)
        }
    }

    func testRefusesNonZipAndTruncatedArchives() {
        assertRefuses("bad_not_a_zip.npz", member: nil) { .notAZip(file: $0, reason: "no end-of-central-directory record") }
        assertRefuses("bad_truncated.npz", member: nil) { .notAZip(file: $0, reason: "no end-of-central-directory record") }
        XCTAssertThrowsError(try NPZArchive(url: fixture("bad_truncated_tail.npz"))) { error in
            guard case .truncatedArchive = error as? NPZError else { return XCTFail("\(error)") }
        }
    }

    func testRefusesCRCMismatchStoredAndDeflated() {
        for name in ["bad_crc.npz", "bad_crc_deflate.npz"] {
            XCTAssertThrowsError(try NPZArchive(url: fixture(name)).array("x")) { error in
                guard case .crcMismatch(_, "x.npy", let expected, let found) = error as? NPZError else { return XCTFail("\(error)") }
                XCTAssertEqual(expected ^ found, name == "bad_crc.npz" ? 0xFFFF_FFFF : 1)  // the script's flip
            }
        }
        XCTAssertThrowsError(try NPZArchive(url: fixture("bad_crc_deflate.npz")).array("x")) { error in
            guard case .crcMismatch(_, "x.npy", _, _) = error as? NPZError else { return XCTFail("\(error)") }
        }
    }

    func testRefusesMemberInflatingPastDeclaredSize() {
        // A header consistent with the declared 4224 bytes, then 1.6 MB of zeros: stopped in the
        // consumer at the first chunk past 4224.
        assertRefuses("bad_bomb_header_fits.npz") { .inflatesPastDeclaredSize(file: $0, member: "x.npy", declared: 4224) }
        // A header claiming 1.6 MB in a member declaring 4096 bytes: refused from the header alone.
        let url = fixture("bad_bomb.npz")
        XCTAssertEqual(try NPZArchive(url: url).header("x").shape, [200_000])
        XCTAssertThrowsError(try NPZArchive(url: url).array("x")) { error in
            XCTAssertEqual(error as? NPYError, .truncatedData(file: url.path + ":x.npy", expectedBytes: 1_600_000, foundBytes: 3968))
        }
    }

    func testRefusesImpossibleInflateRatioBeforeExtracting() {
        XCTAssertThrowsError(try NPZArchive(url: fixture("bad_ratio.npz")).array("x")) { error in
            guard case .inflateRatioTooHigh(_, "x.npy", 100, _, 1100) = error as? NPZError else { return XCTFail("\(error)") }
        }
    }

    func testTruncatedAndCorruptDeflateEndWithErrors() {
        assertRefuses("bad_truncated_deflate.npz") { .truncatedDeflateStream(file: $0, member: "x.npy") }
        assertRefuses("bad_corrupt_deflate.npz") { .corruptDeflateStream(file: $0, member: "x.npy") }
    }

    func testRefusesDuplicateAndUnsafeNames() {
        assertRefuses("bad_duplicate.npz", member: nil) { .duplicateMember(file: $0, member: "x.npy") }
        assertRefuses("bad_dotdot.npz", member: nil) { .unsafeMemberName(file: $0, member: "../evil.npy") }
        assertRefuses("bad_absolute.npz", member: nil) { .unsafeMemberName(file: $0, member: "/etc/evil.npy") }
    }

    func testRefusesEncryptedAndBzip2Members() {
        assertRefuses("bad_encrypted.npz") { .encryptedMember(file: $0, member: "x.npy") }
        assertRefuses("bad_bzip2.npz") { .unsupportedCompression(file: $0, member: "x.npy", method: 12) }
    }

    func testRefusesMoreMembersThanTheLimit() {
        assertRefuses("stored.npz", limits: ResourceLimits(maxMembers: 4), member: nil) { .tooManyMembers(file: $0, count: 5, limit: 4) }
    }

    func testRefusesHugeMemberHeaderBeforeAllocating() {
        for name in ["bad_huge_member.npz", "bad_huge_member_deflate.npz"] {
            let url = fixture(name)
            XCTAssertThrowsError(try NPZArchive(url: url).array("huge")) { error in
                XCTAssertEqual(error as? NPYError, .arrayTooLarge(file: url.path + ":huge.npy", bytes: 8 << 40, limit: 4 << 30))
            }
            XCTAssertThrowsError(try NPZArchive(url: url, limits: ResourceLimits(maxArrayBytes: .max)).array("huge")) { error in
                XCTAssertEqual(error as? NPYError, .truncatedData(file: url.path + ":huge.npy", expectedBytes: 8 << 40, foundBytes: 64))
            }
            XCTAssertEqual(try NPZArchive(url: url).header("huge").count, 1 << 40)
        }
    }

    func testWriterRefusesBadNames() {
        let dir = TemporaryDirectory()
        let a = NPYArray(shape: [1], float64: [1])
        for names in [["x", "x"], ["../x"], ["/x"], [""]] {
            XCTAssertThrowsError(try NPZWriter.write(names.map { ($0, a) }, to: dir.file("w.npz"))) { error in
                guard case .invalidMemberName = error as? NPZError else { return XCTFail("\(error)") }
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("w.npz").path))
    }

    func testWriterFromPushedPiecesWritesTheArraysTheWholeWriterWrites() throws {
        let dir = TemporaryDirectory()
        let arrays = [
            ("layer/kernel", NPYArray(shape: [3, 5], float32: (0..<15).map { Float($0) * 0.25 - 1 })),
            ("layer/bias", NPYArray(shape: [5], float32: [1, -2, 3.5, .infinity, -0.0])),
            ("scalar", NPYArray(shape: [], float32: [7])),
        ]
        for compressed in [false, true] {
            // Pieces cut at odd byte boundaries, so that no piece holds whole values.
            try NPZWriter.write(
                names: arrays.map(\.0), dtype: .float32, shapes: arrays.map(\.1.shape), to: dir.file("pushed.npz"), compressed: compressed
            ) { i, sink in
                let data = arrays[i].1.data
                for start in stride(from: 0, to: data.count, by: 3) { try sink(data.subdata(in: start..<min(start + 3, data.count))) }
            }
            try NPZWriter.write(arrays, to: dir.file("whole.npz"), compressed: compressed)
            // Byte for byte what the whole-array writer writes but for the members' modification times.
            let pushed = try NPZArchive(url: dir.file("pushed.npz"))
            let whole = try NPZArchive(url: dir.file("whole.npz"))
            XCTAssertEqual(pushed.names, arrays.map(\.0))
            for (name, array) in arrays {
                XCTAssertEqual(try pushed.array(name), array, "\(name), compressed \(compressed)")
                XCTAssertEqual(try pushed.array(name), try whole.array(name), "\(name), compressed \(compressed)")
            }
            XCTAssertEqual(
                try Data(contentsOf: dir.file("pushed.npz")).count, try Data(contentsOf: dir.file("whole.npz")).count,
                "compressed \(compressed)")
        }
    }

    func testWriterFromPushedPiecesRefusesAMemberOfTheWrongSizeAndLeavesNoFile() {
        let dir = TemporaryDirectory()
        for extra in [-4, 4] {
            for compressed in [false, true] {
                XCTAssertThrowsError(
                    try NPZWriter.write(
                        names: ["a", "b"], dtype: .float32, shapes: [[2], [3]], to: dir.file("w.npz"), compressed: compressed
                    ) {
                        i, sink in try sink(Data(count: (i == 0 ? 8 : 12 + extra)))
                    }
                ) { error in
                    guard case .writeFailed(_, let reason) = error as? SafeIOError else { return XCTFail("\(error)") }
                    XCTAssertTrue(reason.contains("member 'b.npy'"), reason)
                }
                XCTAssertEqual(
                    try FileManager.default.contentsOfDirectory(atPath: dir.url.path), [], "extra \(extra), compressed \(compressed)")
            }
        }
    }
}
