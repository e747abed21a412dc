import Foundation
import MNIST
import TestSupport
import XCTest

final class IDXFileTests: XCTestCase {
    private func header(_ magic: UInt32, _ dims: [UInt32]) -> [UInt8] {
        ([magic] + dims).flatMap { v in [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    }

    private func write(_ bytes: [UInt8], _ name: String, in dir: TemporaryDirectory) throws -> URL {
        let url = dir.file(name)
        try Data(bytes).write(to: url)
        return url
    }

    private func gzip(_ url: URL) throws -> URL {
        let result = try runProcess("/usr/bin/env", ["gzip", "-n", "-k", "-f", url.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return URL(fileURLWithPath: url.path + ".gz")
    }

    private func assertRefuses(
        _ url: URL, kind: IDXFile.Kind = .images, _ expected: MNISTError, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try IDXFile.read(url, kind: kind), file: file, line: line) { error in
            XCTAssertEqual(error as? MNISTError, expected, file: file, line: line)
            let message = error.localizedDescription
            XCTAssertTrue(message.hasPrefix(url.path), "message does not name the file: \(message)", file: file, line: line)
            XCTAssertFalse(message.contains("\n"), file: file, line: line)
        }
    }

    func testReadsBigEndianHeaderAndRowMajorData() throws {
        let dir = TemporaryDirectory()
        let pixels: [UInt8] = Array(0..<12)
        let url = try write(header(2051, [2, 2, 3]) + pixels, "images-idx3-ubyte", in: dir)
        for candidate in [url, try gzip(url)] {
            let file = try IDXFile.read(candidate, kind: .images)
            XCTAssertEqual(file.dimensions, [2, 2, 3])
            XCTAssertEqual(file.data, pixels)
        }
    }

    func testUncompressedAndGzipFilesGiveTheSameBytes() throws {
        let dir = TemporaryDirectory()
        let gz = FixturePaths.fixture("mnist/t10k-labels-idx1-ubyte.gz")
        let plain = dir.file("t10k-labels-idx1-ubyte")
        let result = try runProcess("/bin/sh", ["-c", "gunzip -c '\(gz.path)' > '\(plain.path)'"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let a = try IDXFile.read(gz, kind: .labels)
        let b = try IDXFile.read(plain, kind: .labels)
        XCTAssertEqual(a.data, b.data)
        XCTAssertEqual(a.sha256, b.sha256)
        XCTAssertEqual(a.sha256, MNISTDownloader.mnistChecksums["t10k-labels-idx1-ubyte.gz"])
    }

    func testRefusesWrongMagic() throws {
        let dir = TemporaryDirectory()
        let labels = try write(header(2049, [3]) + [1, 2, 3], "labels", in: dir)
        assertRefuses(labels, kind: .images, .badMagic(file: labels.path, found: 2049, expected: 2051))
        let float = try write(header(0x0000_0D03, [1, 1, 1]) + [0, 0, 0, 0], "floats", in: dir)
        assertRefuses(float, .badMagic(file: float.path, found: 0x0D03, expected: 2051))
    }

    func testRefusesCountsThatOverstateTheData() throws {
        let dir = TemporaryDirectory()
        let url = try write(header(2051, [10, 2, 2]) + Array(repeating: 7, count: 20), "short", in: dir)
        assertRefuses(url, .truncated(file: url.path, expectedBytes: 56, foundBytes: 36))
        let gz = try gzip(url)
        assertRefuses(gz, .truncated(file: gz.path, expectedBytes: 56, foundBytes: 36))
    }

    func testRefusesCountsThatUnderstateTheData() throws {
        let dir = TemporaryDirectory()
        let url = try write(header(2049, [3]) + [1, 2, 3, 4], "long", in: dir)
        assertRefuses(url, kind: .labels, .trailingData(file: url.path, expectedBytes: 11))
        let gz = try gzip(url)
        assertRefuses(gz, kind: .labels, .trailingData(file: gz.path, expectedBytes: 11))
    }

    func testRefusesOversizedDimensionsBeforeAllocating() throws {
        let dir = TemporaryDirectory()
        let wide = try write(header(2051, [1, 28, 100_000]), "wide", in: dir)
        assertRefuses(wide, .badDimension(file: wide.path, name: "cols", value: 100_000, limit: MNISTLimits.maxSide))
        let empty = try write(header(2051, [0, 28, 28]), "empty", in: dir)
        assertRefuses(empty, .badDimension(file: empty.path, name: "count", value: 0, limit: MNISTLimits.maxCount))
        // 4096 x 4096 x 4096 = 64 GiB: over maxArrayBytes (4 GiB), refused from the header alone.
        let huge = try write(header(2051, [4096, 4096, 4096]), "huge", in: dir)
        assertRefuses(huge, .tooLarge(file: huge.path, bytes: 1 << 36, limit: 4 << 30))
    }

    func testRefusesGzipHeaderClaimingMoreThanDeflateCanHold() throws {
        let dir = TemporaryDirectory()
        // 100 MB announced by a file of a few dozen compressed bytes: beyond any deflate ratio.
        let url = try write(header(2051, [100_000, 32, 32]) + [0, 0], "claims", in: dir)
        let gz = try gzip(url)
        let size = try FileManager.default.attributesOfItem(atPath: gz.path)[.size] as! NSNumber
        assertRefuses(gz, .tooLarge(file: gz.path, bytes: 102_400_016, limit: size.uint64Value * 1100))
    }

    func testRefusesTruncatedAndCorruptGzip() throws {
        let dir = TemporaryDirectory()
        let full = try Data(contentsOf: FixturePaths.fixture("mnist/t10k-labels-idx1-ubyte.gz"))
        let cut = dir.file("cut-idx1-ubyte.gz")
        try full.prefix(2000).write(to: cut)
        XCTAssertThrowsError(try IDXFile.read(cut, kind: .labels)) { error in
            guard case .corruptGzip(let file, _)? = error as? MNISTError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, cut.path)
        }
        var flipped = full
        flipped[100] ^= 0xff
        flipped[101] ^= 0xff
        let bad = dir.file("bad-idx1-ubyte.gz")
        try flipped.write(to: bad)
        XCTAssertThrowsError(try IDXFile.read(bad, kind: .labels)) { error in
            guard case .corruptGzip(let file, _)? = error as? MNISTError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, bad.path)
        }
    }

    func testRefusesTruncatedHeader() throws {
        let dir = TemporaryDirectory()
        let url = try write([0, 0, 8, 3, 0, 0], "stub", in: dir)
        assertRefuses(url, .truncated(file: url.path, expectedBytes: 16, foundBytes: 6))
    }
}
