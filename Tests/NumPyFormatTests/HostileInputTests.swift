import Foundation
import NumPyFormat
import SafeIO
import TestSupport
import XCTest

/// Hostile `.npy`/`.npz` inputs (bit flips, truncations, lying ZIP64 fields, overlapping members,
/// zip bombs, pathological shapes, NaN/Inf) and hostile disks (full tmpfs). Each must decode
/// correctly or end in a typed one-line error, never a crash, a hang or an unbounded allocation.
/// The table in Docs/reliability.md lists each case with the exact message.
final class HostileInputTests: XCTestCase {
    private func fixture(_ name: String) -> URL { FixturePaths.fixture("npy/\(name)") }

    /// A small valid member: `x.npy` holding float32 [1, 2, 3, 4].
    private let member = [UInt8](try! NPYFile.encode(NPYArray(shape: [4], float32: [1, 2, 3, 4])))

    /// Opens `url` and reads every member; returns the arrays or throws.
    private func readAll(_ url: URL, limits: ResourceLimits = .default) throws -> [NPYArray] {
        let archive = try NPZArchive(url: url, limits: limits)
        return try archive.names.map { try archive.array($0) }
    }

    /// Asserts `body` throws exactly `expected` and that its message is one line starting with the path.
    private func assertRefuses(
        _ url: URL, limits: ResourceLimits = .default, _ expected: NPZError, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try readAll(url, limits: limits), file: file, line: line) { error in
            XCTAssertEqual(error as? NPZError, expected, "\(error)", file: file, line: line)
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(message.hasPrefix(url.path + ": "), message, file: file, line: line)
            XCTAssertFalse(message.contains("\n"), message, file: file, line: line)
        }
    }

    private func isTyped(_ error: Error) -> Bool { error is NPZError || error is NPYError }

    // MARK: - Bit flips and truncations

    func testEveryBitFlipOfANpyDecodesOrThrowsATypedError() throws {
        for name in ["random_c_f4.npy", "dtype_f2_le.npy", "version3_i2.npy"] {
            let original = [UInt8](try Data(contentsOf: fixture(name)))
            var decoded = 0
            var refused = 0
            for position in 0..<original.count {
                for bit in 0..<8 {
                    var bytes = original
                    bytes[position] ^= 1 << bit
                    do {
                        let array = try NPYFile.decode(Data(bytes), source: name)
                        XCTAssertEqual(array.data.count, array.byteCount, "\(name) flip \(position):\(bit)")
                        decoded += 1
                    } catch let error as NPYError {
                        XCTAssertFalse(error.localizedDescription.contains("\n"))
                        refused += 1
                    }
                }
            }
            // Flips in the data decode (no checksum in .npy); flips in magic/version/header mostly refuse.
            XCTAssertGreaterThan(decoded, 0, name)
            XCTAssertGreaterThan(refused, 0, name)
        }
    }

    /// One bit flipped at every byte of an archive: each must read back the original arrays exactly
    /// (the flip hit a field nobody reads, or only a name) or throw a typed error; CRC-32 guarantees
    /// no flipped bit ever reaches the returned numbers.
    func testEveryBitFlipOfAnNpzNeverReturnsWrongNumbers() throws {
        let dir = TemporaryDirectory()
        for name in ["stored.npz", "compressed.npz"] {
            let original = [UInt8](try Data(contentsOf: fixture(name)))
            let expected = try readAll(fixture(name)).map { [$0.dtype.descr, "\($0.shape)", $0.data.base64EncodedString()] }.sorted {
                $0.joined() < $1.joined()
            }
            var outcomes: [String: Int] = [:]
            for position in 0..<original.count {
                var bytes = original
                bytes[position] ^= 1 << (position % 8)
                let url = dir.file("flip.npz")
                try Data(bytes).write(to: url)
                do {
                    let got = try readAll(url).map { [$0.dtype.descr, "\($0.shape)", $0.data.base64EncodedString()] }.sorted {
                        $0.joined() < $1.joined()
                    }
                    XCTAssertEqual(got, expected, "\(name): flip at byte \(position) changed the numbers")
                    outcomes["read", default: 0] += 1
                } catch {
                    XCTAssertTrue(isTyped(error), "\(name): flip at byte \(position): \(error)")
                    outcomes[String("\(error)".prefix(while: { $0 != "(" })), default: 0] += 1
                }
            }
            XCTAssertGreaterThan(outcomes["read"] ?? 0, 0, name)
            XCTAssertGreaterThan(outcomes["crcMismatch"] ?? 0, 0, "\(name): \(outcomes)")
        }
    }

    func testEveryTruncationOfAnNpzThrowsATypedError() throws {
        let dir = TemporaryDirectory()
        for name in ["compressed.npz", "zip_handmade_ok.npz"] {
            let original = try Data(contentsOf: fixture(name))
            for length in 0..<original.count {
                let url = dir.file("cut.npz")
                try original.prefix(length).write(to: url)
                XCTAssertThrowsError(try readAll(url), "\(name) cut to \(length) bytes") { error in
                    XCTAssertTrue(isTyped(error), "\(name) cut to \(length): \(error)")
                }
            }
        }
        let url = dir.file("empty.npz")
        try Data().write(to: url)
        assertRefuses(url, .notAZip(file: url.path, reason: "no end-of-central-directory record"))
    }

    // MARK: - Lying directory fields

    func testRefusesZIP64SizeOfATerabyteAtOpen() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("zip64_huge.npz")
        try ZipBuilder([.init(name: "x.npy", data: member, zip64: (uncompressed: 1 << 40, compressed: nil))]).write(to: url)
        assertRefuses(url, .archiveTooLarge(file: url.path, bytes: 1 << 40, limit: 16 << 30))
        // With a total limit that lets it through, the member limit refuses it before any extraction.
        assertRefuses(
            url, limits: ResourceLimits(maxTotalBytes: .max),
            .memberTooLarge(file: url.path, member: "x.npy", bytes: 1 << 40, limit: (4 << 30) + 10064))
    }

    func testZIP64SizesSmallerThanTheDataEndInATruncatedHeader() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("zip64_small.npz")
        try ZipBuilder([.init(name: "x.npy", data: member, zip64: (uncompressed: 16, compressed: 16))]).write(to: url)
        XCTAssertThrowsError(try readAll(url)) { error in
            XCTAssertEqual(error as? NPYError, .truncatedHeader(file: url.path + ":x.npy", needed: 128, available: 16))
        }
    }

    func testRefusesZIP64CompressedSizeRunningPastTheFile() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("zip64_past_end.npz")
        try ZipBuilder([.init(name: "x.npy", data: member, zip64: (uncompressed: 144, compressed: 1 << 62))]).write(to: url)
        let size = try Data(contentsOf: url).count
        assertRefuses(
            url,
            .truncatedArchive(
                file: url.path, reason: "member 'x.npy' (\(UInt64(1) << 62) bytes at 55) runs past the end of the \(size)-byte file"))
    }

    func testRefusesZIP64EndRecordsThatLie() throws {
        let dir = TemporaryDirectory()
        let pastEnd = dir.file("zip64_locator_past_end.npz")
        var builder = ZipBuilder([.init(name: "x.npy", data: member)])
        builder.zip64End = (locatorOffset: UInt64(1) << 40, count: 1)
        try builder.write(to: pastEnd)
        let size = try Data(contentsOf: pastEnd).count
        assertRefuses(
            pastEnd,
            .truncatedArchive(
                file: pastEnd.path,
                reason: "ZIP64 end of central directory at offset \(UInt64(1) << 40) runs past the end of the \(size)-byte file"))

        let manyEntries = dir.file("zip64_count.npz")
        builder.zip64End = (locatorOffset: UInt64?.none, count: UInt64(1) << 40)
        try builder.write(to: manyEntries)
        assertRefuses(manyEntries, .tooManyMembers(file: manyEntries.path, count: 1 << 40, limit: 65536))
    }

    func testRefusesCentralDirectoryPointingPastTheEnd() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("cd_past_end.npz")
        var builder = ZipBuilder([.init(name: "x.npy", data: member)])
        builder.directoryOffsetOverride = 1_000_000
        try builder.write(to: url)
        let size = try Data(contentsOf: url).count
        assertRefuses(
            url,
            .truncatedArchive(
                file: url.path, reason: "central directory (51 bytes at 1000000) runs past the end of the \(size)-byte file"))
    }

    func testRefusesEndRecordCountThatHidesMembers() throws {
        // Found by the bit-flip test: compressed.npz with its entry count 5 flipped to 4 read as a
        // 4-array archive with no error, where numpy sees 5.
        let url = FixturePaths.fixture("fuzz/regressions/eocd_count_hides_member.npz")
        assertRefuses(
            url,
            .inconsistentDirectory(file: url.path, reason: "the end record declares 4 entries in 274 bytes, but they end after 219 bytes"))
        let dir = TemporaryDirectory()
        let built = dir.file("count_lie.npz")
        var builder = ZipBuilder([.init(name: "a.npy", data: member), .init(name: "b.npy", data: member)])
        builder.countOverride = 1
        try builder.write(to: built)
        assertRefuses(
            built,
            .inconsistentDirectory(file: built.path, reason: "the end record declares 1 entries in 102 bytes, but they end after 51 bytes"))
    }

    func testRefusesLocalHeaderOffsetPastTheEnd() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("local_past_end.npz")
        try ZipBuilder([.init(name: "x.npy", data: member, localOffsetOverride: 0x7fff_0000)]).write(to: url)
        let size = try Data(contentsOf: url).count
        assertRefuses(
            url,
            .truncatedArchive(
                file: url.path, reason: "local header of 'x.npy' at offset \(0x7fff_0000) runs past the end of the \(size)-byte file"))
    }

    // MARK: - Overlapping members

    func testRefusesTwoMembersSharingOneByteRange() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("overlap_same.npz")
        // Two directory entries, one local header: b.npy re-reads a.npy's bytes.
        try ZipBuilder([.init(name: "a.npy", data: member), .init(name: "b.npy", data: member, sharesLocalHeaderOf: 0)]).write(to: url)
        XCTAssertThrowsError(try readAll(url)) { error in
            guard case .overlappingMembers(url.path, let first, let second)? = error as? NPZError else { return XCTFail("\(error)") }
            XCTAssertEqual(Set([first, second]), ["a.npy", "b.npy"])
        }
    }

    func testRefusesMemberStartingInsideAnotherOrInsideTheDirectory() throws {
        let dir = TemporaryDirectory()
        let inside = dir.file("overlap_partial.npz")
        // b.npy's local header is placed 64 bytes into a.npy's data (a copy of it sits there).
        var builder = ZipBuilder([.init(name: "a.npy", data: member), .init(name: "b.npy", data: member)])
        builder.nestSecondInsideFirst = true
        try builder.write(to: inside)
        assertRefuses(inside, .overlappingMembers(file: inside.path, first: "a.npy", second: "b.npy"))

        let intoDirectory = dir.file("overlap_directory.npz")
        try ZipBuilder([.init(name: "x.npy", data: member, zip64: (uncompressed: 160, compressed: 160))]).write(to: intoDirectory)
        assertRefuses(intoDirectory, .overlappingMembers(file: intoDirectory.path, first: "x.npy", second: "central directory"))
    }

    // MARK: - Zip bombs

    /// Header bytes of a float64 `.npy` of `count` elements.
    private func float64Header(count: Int) throws -> [UInt8] {
        let full = [UInt8](try NPYFile.encode(NPYArray(shape: [1], float64: [0])))
        let headerLength = full.count - 8
        var header = [UInt8](full.prefix(headerLength))
        let text = String(decoding: header[10...], as: UTF8.self).replacingOccurrences(of: "(1,)", with: "(\(count),)")
        header = Array(header[0..<10]) + Array(text.utf8)
        // Keep the 64-byte alignment: pad/trim the spaces before the final newline.
        while header.count > headerLength { header.remove(at: header.count - 2) }
        while header.count < headerLength { header.insert(0x20, at: header.count - 1) }
        return header
    }

    /// A 2 GiB float64 array of zeros deflated to about 2 MB (2 bits per 258 bytes).
    private func twoGiBZeros() throws -> (npyHeader: [UInt8], deflate: [UInt8], size: UInt64) {
        let count = 1 << 28
        let header = try float64Header(count: count)
        let stream = Deflate.zeros(after: header, zeroCount: count * 8)
        return (header, stream, UInt64(header.count + count * 8))
    }

    func testTwoGiBBombIsRefusedByTheArrayLimitBeforeInflating() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("bomb_2gib.npz")
        let bomb = try twoGiBZeros()
        try ZipBuilder([.init(name: "x.npy", data: bomb.deflate, method: 8, zip64: (uncompressed: bomb.size, compressed: nil), crc: 0)])
            .write(to: url)
        let started = Date()
        assertRefuses(
            url, limits: ResourceLimits(maxArrayBytes: 256 << 20),
            .memberTooLarge(file: url.path, member: "x.npy", bytes: bomb.size, limit: (256 << 20) + 10064))
        print("measured: 2 GiB bomb (\(bomb.deflate.count) compressed bytes) refused in \(Date().timeIntervalSince(started)) s")
        // Under default limits it is what it says (2 GiB of zeros): its header is read without inflating the rest.
        let header = try NPZArchive(url: url).header("x")
        XCTAssertEqual(header.shape, [1 << 28])
    }

    func testBombDeclaringFourKilobytesStopsAtTheDeclaredSize() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("bomb_lying.npz")
        let header = try float64Header(count: 496)
        let stream = Deflate.zeros(after: header, zeroCount: 1 << 31)
        try ZipBuilder([.init(name: "x.npy", data: stream, method: 8, sizeOverride: 4096, crc: 0)]).write(to: url)
        let started = Date()
        assertRefuses(url, .inflatesPastDeclaredSize(file: url.path, member: "x.npy", declared: 4096))
        print(
            "measured: lying bomb (\(stream.count) bytes inflating to 2 GiB, declares 4096) refused in \(Date().timeIntervalSince(started)) s"
        )
    }

    func testMemberDeclaringTwoGiBButHoldingTwoMegabytesIsRefusedAfterTwoMegabytes() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("bomb_short.npz")
        let header = try float64Header(count: 1 << 28)
        let payload = header + [UInt8](repeating: 0x42, count: 2 << 20)
        let stream = Deflate.stored(payload)
        let declared = UInt64(header.count + (8 << 28))
        try ZipBuilder([.init(name: "x.npy", data: stream, method: 8, zip64: (uncompressed: declared, compressed: nil), crc: 0)]).write(
            to: url)
        let started = Date()
        assertRefuses(url, .shorterThanDeclared(file: url.path, member: "x.npy", declared: declared, found: UInt64(payload.count)))
        print("measured: 2 GiB claim holding 2 MiB refused in \(Date().timeIntervalSince(started)) s, peak RSS \(peakRSSMegabytes()) MB")
    }

    private func peakRSSMegabytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }

    // MARK: - Shapes and headers

    func testZeroDimensionBesideAHugeOneIsAnEmptyArray() throws {
        let bytes = try npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 9223372036854775807), }")
        let array = try NPYFile.decode(bytes, source: "zero_huge.npy")
        XCTAssertEqual(array.shape, [0, Int.max])
        XCTAssertEqual(array.data.count, 0)
        XCTAssertEqual(try array.doubles(), [])
    }

    func testRefusesShapesWhoseProductOverflowsEvenWithAZero() {
        XCTAssertThrowsError(
            try NPYFile.decode(
                try npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4, 0), }"), source: "s.npy")
        ) { error in
            XCTAssertEqual(error as? NPYError, .shapeOverflow(file: "s.npy", shape: "[4611686018427387904, 4, 0]"))
        }
        XCTAssertThrowsError(
            try NPYFile.decode(
                try npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }"), source: "s.npy")
        ) { error in
            XCTAssertEqual(error as? NPYError, .shapeOverflow(file: "s.npy", shape: "(99999999999999999999999,)"))
        }
    }

    func testRefusesDuplicateKeysBooleanShapesAndHeaderLengthLies() throws {
        let cases: [(String, NPYError)] = [
            (
                "{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                .malformedHeader(file: "h.npy", reason: "key 'descr' appears twice")
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (True,), }",
                .malformedHeader(file: "h.npy", reason: "shape entry True is not an integer")
            ),
            (
                "{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }",
                .malformedHeader(file: "h.npy", reason: "fortran_order is 0, expected True or False")
            ),
        ]
        for (header, expected) in cases {
            XCTAssertThrowsError(try NPYFile.decode(try npy(header: header) + Data(count: 8), source: "h.npy")) {
                XCTAssertEqual($0 as? NPYError, expected)
            }
        }
        // Version 2.0 length field of 0xFFFFFFFF.
        var lie = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0, 0xFF, 0xFF, 0xFF, 0xFF])
        lie.append(Data(count: 64))
        XCTAssertThrowsError(try NPYFile.decode(lie, source: "h.npy")) {
            XCTAssertEqual($0 as? NPYError, .headerTooLong(file: "h.npy", length: 0xFFFF_FFFF, limit: 10000))
        }
        // Version 1.0 header length of 0: no dict at all.
        XCTAssertThrowsError(try NPYFile.decode(Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 0, 0]), source: "h.npy")) {
            guard case .malformedHeader? = $0 as? NPYError else { return XCTFail("\($0)") }
        }
    }

    /// A version 1.0 `.npy` prefix with `header` as its dict (padded to 64 bytes, no data).
    private func npy(header: String) throws -> Data {
        var text = Array(header.utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)])
        out.append(contentsOf: text)
        return out
    }

    // MARK: - Non-finite values

    func testNaNInfinityAndSubnormalsReadBitExactly() throws {
        let values: [Float] = [
            .nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, Float(bitPattern: 0x7FA0_0001),
        ]
        let bytes = try NPYFile.encode(NPYArray(shape: [values.count], float32: values))
        let read = try NPYFile.decode(bytes, source: "nonfinite.npy").floats()
        XCTAssertEqual(read.map(\.bitPattern), values.map(\.bitPattern))  // signaling NaN payload kept
        // float16 NaN and infinities widen to float32 NaN and infinities.
        var half = Data()
        for bits: UInt16 in [0x7E00, 0x7C00, 0xFC00, 0x0001] { half.append(contentsOf: [UInt8(bits & 0xFF), UInt8(bits >> 8)]) }
        let f2 = try npy(header: "{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }") + half
        let widened = try NPYFile.decode(f2, source: "f2.npy").floats()
        XCTAssertTrue(widened[0].isNaN)
        XCTAssertEqual(Array(widened[1...]), [.infinity, -.infinity, Float(bitPattern: 0x3380_0000)])  // 2^-24
    }

    // MARK: - Writers on a full disk

    func testNpyAndNpzWritersOnAFullDiskKeepThePreviousFile() throws {
        let fs = try TinyFilesystem(kilobytes: 64)
        let previous = NPYArray(shape: [2], float64: [1, 2])
        let big = NPYArray(shape: [1 << 17], float64: [Double](repeating: 3, count: 1 << 17))  // 1 MiB
        let npyURL = fs.file("w.npy")
        let npzURL = fs.file("w.npz")
        try NPYFile.write(previous, to: npyURL)
        try NPZWriter.write([("w", previous)], to: npzURL)
        let npyBefore = try Data(contentsOf: npyURL)
        let npzBefore = try Data(contentsOf: npzURL)
        XCTAssertThrowsError(try NPYFile.write(big, to: npyURL)) {
            guard case .writeFailed(npyURL.path, _)? = $0 as? SafeIOError else { return XCTFail("\($0)") }
        }
        for compressed in [false, true] {
            // Random data so that deflate cannot squeeze it under the 64 KiB.
            var rng = SplitMix(seed: 7)
            let noise = NPYArray(shape: [1 << 17], float64: (0..<(1 << 17)).map { _ in Double(bitPattern: rng.next()) })
            XCTAssertThrowsError(try NPZWriter.write([("w", noise)], to: npzURL, compressed: compressed)) {
                guard case .writeFailed(npzURL.path, let reason)? = $0 as? SafeIOError else { return XCTFail("\($0)") }
                XCTAssertEqual(reason, "cannot write the archive: No space left on device")
            }
        }
        XCTAssertEqual(try Data(contentsOf: npyURL), npyBefore)
        XCTAssertEqual(try Data(contentsOf: npzURL), npzBefore)
        XCTAssertEqual(try fs.listing(), ["w.npy", "w.npz"])
    }

    /// Sizes around the free space, so that the disk fills at every stage of writing an archive
    /// (member data, central directory, end records still in stdio's buffer at close): every attempt
    /// either leaves a complete archive with the new numbers or fails and keeps the previous one.
    func testNpzWriterNeverLeavesATruncatedArchiveWhateverPointTheDiskFills() throws {
        let fs = try TinyFilesystem(kilobytes: 64)
        let url = fs.file("w.npz")
        var current = NPYArray(shape: [1], float64: [0])
        try NPZWriter.write([("w", current)], to: url)
        var failures = 0
        for count in stride(from: 3000, through: 8200, by: 8) {
            let next = NPYArray(shape: [count], float64: [Double](repeating: Double(count), count: count))
            do {
                try NPZWriter.write([("w", next)], to: url)
                current = next
            } catch {
                guard case .writeFailed? = error as? SafeIOError else { return XCTFail("\(count): \(error)") }
                failures += 1
            }
            XCTAssertEqual(try NPZArchive(url: url).array("w"), current, "after writing \(count) float64")
            XCTAssertEqual(try fs.listing(), ["w.npz"])
        }
        XCTAssertGreaterThan(failures, 0)
    }
}

// MARK: - Builders

/// Builds ZIP archives byte by byte so that a test can lie in exactly one field.
private struct ZipBuilder {
    struct Entry {
        var name: String
        var data: [UInt8]
        var method: UInt16 = 0
        /// Sizes written only in a ZIP64 extra field (nil: the real size).
        var zip64: (uncompressed: UInt64, compressed: UInt64?)? = nil
        var sizeOverride: UInt64? = nil
        var crc: UInt32? = nil
        var localOffsetOverride: UInt64? = nil
        var sharesLocalHeaderOf: Int? = nil
    }

    var entries: [Entry]
    var directoryOffsetOverride: UInt32?
    var countOverride: UInt16?
    var zip64End: (locatorOffset: UInt64?, count: UInt64)?
    /// Writes the second member's local header and data inside the first member's data.
    var nestSecondInsideFirst = false

    init(_ entries: [Entry]) { self.entries = entries }

    func write(to url: URL) throws { try Data(bytes()).write(to: url) }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var offsets: [UInt64] = []
        var sizes: [(crc: UInt32, compressed: UInt64, uncompressed: UInt64)] = []
        for (index, e) in entries.enumerated() {
            let crc = e.crc ?? CRC32.of(e.data)
            let uncompressed = e.sizeOverride ?? e.zip64?.uncompressed ?? UInt64(e.data.count)
            let compressed = e.zip64?.compressed ?? UInt64(e.data.count)
            sizes.append((crc, compressed, uncompressed))
            if let shared = e.sharesLocalHeaderOf {
                offsets.append(offsets[shared])
                continue
            }
            if nestSecondInsideFirst && index == 1 {
                offsets.append(offsets[0] + 30 + UInt64(entries[0].name.utf8.count) + 64)
                continue
            }
            offsets.append(UInt64(out.count))
            var data = e.data
            if nestSecondInsideFirst && index == 0 {
                // Make room: a.npy's data carries b.npy's local header and data 64 bytes in.
                let size = UInt64(entries[1].data.count)
                let second = local(entries[1], crc: CRC32.of(entries[1].data), compressed: size, uncompressed: size) + entries[1].data
                data = Array(data.prefix(64)) + second
                sizes[0] = (CRC32.of(data), UInt64(data.count), UInt64(data.count))
            }
            // The local header tells the same lies as the directory (as a careful attacker's would), so the checks
            // behind the local/central comparison are what refuses these archives.
            out += local(e, crc: sizes[index].crc, compressed: sizes[index].compressed, uncompressed: sizes[index].uncompressed) + data
        }
        let directoryStart = UInt64(out.count)
        for (index, e) in entries.enumerated() {
            let s = sizes[index]
            let offset = e.localOffsetOverride ?? offsets[index]
            var extra: [UInt8] = []
            if let z = e.zip64 {
                extra = le16(1) + le16(z.compressed == nil ? 8 : 16) + le64(z.uncompressed)
                if z.compressed != nil { extra += le64(s.compressed) }
            }
            out += le32(0x0201_4b50) + le16(20) + le16(20) + le16(0x0800) + le16(e.method) + le16(0) + le16(0x21) + le32(s.crc)
            out += le32(e.zip64?.compressed != nil ? 0xFFFF_FFFF : UInt32(s.compressed))
            out += le32(e.zip64 != nil ? 0xFFFF_FFFF : UInt32(truncatingIfNeeded: s.uncompressed))
            out += le16(UInt16(e.name.utf8.count)) + le16(UInt16(extra.count)) + le16(0) + le16(0) + le16(0) + le32(0o100644 << 16)
            out += le32(UInt32(offset)) + Array(e.name.utf8) + extra
        }
        let directorySize = UInt64(out.count) - directoryStart
        if let z = zip64End {
            let recordAt = UInt64(out.count)
            out += le32(0x0606_4b50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0) + le64(z.count) + le64(z.count)
            out += le64(directorySize) + le64(directoryStart)
            out += le32(0x0706_4b50) + le32(0) + le64(z.locatorOffset ?? recordAt) + le32(1)
            out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF) + le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le16(0)
        } else {
            let count = le16(countOverride ?? UInt16(entries.count))
            out += le32(0x0605_4b50) + le16(0) + le16(0) + count + count + le32(UInt32(directorySize))
            out += le32(directoryOffsetOverride ?? UInt32(directoryStart)) + le16(0)
        }
        return out
    }

    /// A local header agreeing with the directory entry: ZIP64 entries carry both sizes in a local ZIP64 extra field.
    private func local(_ e: Entry, crc: UInt32, compressed: UInt64, uncompressed: UInt64) -> [UInt8] {
        let zip64 = e.zip64 != nil
        let extra = zip64 ? le16(1) + le16(16) + le64(uncompressed) + le64(compressed) : []
        return le32(0x0403_4b50) + le16(20) + le16(0x0800) + le16(e.method) + le16(0) + le16(0x21) + le32(crc)
            + le32(zip64 ? 0xFFFF_FFFF : UInt32(clamping: compressed)) + le32(zip64 ? 0xFFFF_FFFF : UInt32(clamping: uncompressed))
            + le16(UInt16(e.name.utf8.count)) + le16(UInt16(extra.count)) + Array(e.name.utf8) + extra
    }
}

private func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
private func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xFFFF)) + le16(UInt16(v >> 16)) }
private func le64(_ v: UInt64) -> [UInt8] { le32(UInt32(v & 0xFFFF_FFFF)) + le32(UInt32(v >> 32)) }

/// CRC-32 (ZIP's polynomial) for building test archives.
private enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
    static func of(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// Hand-made raw deflate streams (RFC 1951).
private enum Deflate {
    /// `prefix` as literals in a fixed-Huffman block, then `zeroCount` zeros in a dynamic-Huffman
    /// block where a 258-byte, distance-1 match costs 2 bits: deflate's maximum ratio (~1032:1).
    static func zeros(after prefix: [UInt8], zeroCount: Int) -> [UInt8] {
        var w = BitWriter()
        w.bits(0, 1)  // not final
        w.bits(1, 2)  // fixed Huffman
        for b in prefix { b < 144 ? w.huffman(0x30 + UInt32(b), 8) : w.huffman(0x190 + UInt32(b) - 144, 9) }
        w.huffman(0, 7)  // end of block
        // Dynamic block. Literal/length code: 285 (length 258) -> "0", literal 0 -> "10", 256 (end) -> "11";
        // distance code: 0 (distance 1) -> "0".
        w.bits(1, 1)  // final
        w.bits(2, 2)  // dynamic Huffman
        w.bits(29, 5)  // HLIT: 286 literal/length codes
        w.bits(0, 5)  // HDIST: 1 distance code
        w.bits(14, 4)  // HCLEN: 18 code length codes
        // Code length code lengths in RFC order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1: 18 -> 1, 2 -> 2, 1 -> 2.
        for length: UInt32 in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] { w.bits(length, 3) }
        // Code length codes: 1 -> "10", 2 -> "11", 18 -> "0" (+7 extra bits: zeros - 11).
        func length(_ l: Int) { w.huffman(l == 1 ? 2 : 3, 2) }
        func zeroRun(_ n: Int) {
            w.huffman(0, 1)
            w.bits(UInt32(n - 11), 7)
        }
        length(2)  // literal 0
        zeroRun(138)
        zeroRun(117)  // literals 1...255
        length(2)  // 256
        zeroRun(28)  // 257...284
        length(1)  // 285
        length(1)  // distance 0
        w.huffman(2, 2)  // literal 0
        let matches = (zeroCount - 1) / 258
        for _ in 0..<(((zeroCount - 1) % 258)) { w.huffman(2, 2) }  // the rest as literals
        var bits = matches * 2
        while bits > 0 {
            let n = min(bits, 32)
            w.bits(0, n)
            bits -= n
        }
        w.huffman(3, 2)  // end of block
        return w.finish()
    }

    /// `data` in stored (uncompressed) blocks.
    static func stored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var start = 0
        repeat {
            let n = min(65535, data.count - start)
            let final = start + n == data.count
            out += [final ? 1 : 0] + le16(UInt16(n)) + le16(~UInt16(n)) + data[start..<start + n]
            start += n
        } while start < data.count
        return out
    }
}

private struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var accumulator: UInt64 = 0
    private var count = 0

    /// `n` bits of `value`, least significant first (header fields, extra bits).
    mutating func bits(_ value: UInt32, _ n: Int) {
        accumulator |= UInt64(value) << count
        count += n
        while count >= 8 {
            bytes.append(UInt8(accumulator & 0xFF))
            accumulator >>= 8
            count -= 8
        }
    }

    /// A Huffman code of `n` bits, most significant first.
    mutating func huffman(_ code: UInt32, _ n: Int) {
        var reversed: UInt32 = 0
        for i in 0..<n { reversed |= ((code >> i) & 1) << (n - 1 - i) }
        bits(reversed, n)
    }

    mutating func finish() -> [UInt8] {
        if count > 0 { bytes.append(UInt8(accumulator & 0xFF)) }
        accumulator = 0
        count = 0
        return bytes
    }
}

/// Deterministic 64-bit generator for incompressible test data.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
