import Foundation
import TestSupport
import XCTest

@testable import NumPyFormat

/// A member deflated in chunks on every core (`ChunkedDeflate`) is one DEFLATE stream that every inflater reads
/// whole: libdeflate (our reader), zlib through Python (NumPy's), whatever the data makes of each chunk's last block
/// (Huffman-coded for patterns, stored for random bytes, nearly empty for zeros) and wherever the chunks fall against
/// the parts (a `.npy` header and its array).
final class ChunkedDeflateTests: XCTestCase {
    /// Test data of `count` bytes: random, a short repeating pattern, zeros, or float32 steps (long matches).
    private func bytes(_ kind: Int, count: Int) -> Data {
        var state = UInt64(kind + 1)
        func next() -> UInt8 {  // a linear congruential generator: the same bytes on every run
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        switch kind {
        case 0: return Data((0..<count).map { _ in next() })
        case 1: return Data((0..<count).map { UInt8(($0 / 7) % 13) })
        case 2: return Data(count: count)
        default:
            let floats = (0..<(count / 4)).map { Float($0 / 9) * 0.25 }
            return floats.withUnsafeBytes { Data($0) } + Data(count: count % 4)
        }
    }

    /// Inflates `pieces` joined with libdeflate into exactly `count` bytes.
    private func inflate(_ pieces: [Data], count: Int) -> Data? {
        let stream = pieces.reduce(Data(), +)
        var output = Data(count: count)
        let outcome = stream.withUnsafeBytes { input in output.withUnsafeMutableBytes { DeflateCodec.inflate(input, into: $0) } }
        return outcome == .complete(count: count) ? output : nil
    }

    func testChunkedStreamsInflateToTheInputWithLibdeflateForEveryKindOfLastBlock() throws {
        for kind in 0..<4 {
            for (count, chunk) in [(100_000, 4096), (100_000, 33_333), (65_536, 4096), (5000, 4096), (4096, 4096), (10, 4096)] {
                let header = Data("header".utf8)
                let data = bytes(kind, count: count)
                let pieces = try XCTUnwrap(ChunkedDeflate.deflate([header, data], chunkBytes: chunk), "kind \(kind), \(count) bytes")
                let chunks = (header.count + count + chunk - 1) / chunk
                XCTAssertEqual(pieces.count, chunks, "one piece per chunk")
                XCTAssertEqual(inflate(pieces, count: header.count + count), header + data, "kind \(kind), \(count) bytes in \(chunk)s")
            }
        }
    }

    func testAnEmptyMemberIsOneEmptyStream() throws {
        let pieces = try XCTUnwrap(ChunkedDeflate.deflate([Data()], chunkBytes: 4096))
        XCTAssertEqual(pieces.count, 1)
        XCTAssertEqual(inflate(pieces, count: 0), Data())
    }

    func testZlibReadsTheJoinedStreamAsOneStream() throws {
        let dir = TemporaryDirectory()
        var expected: [String] = []
        for kind in 0..<4 {
            let data = bytes(kind, count: 150_001)
            let pieces = try XCTUnwrap(ChunkedDeflate.deflate([data], chunkBytes: 10_000))
            try pieces.reduce(Data(), +).write(to: dir.file("k\(kind).deflate"))
            try data.write(to: dir.file("k\(kind).raw"))
            expected.append("k\(kind) True")
        }
        let output = try runPython(
            """
            import sys, zlib
            for k in range(4):
                d = zlib.decompressobj(-15)
                out = d.decompress(open(f"{sys.argv[1]}/k{k}.deflate", "rb").read())
                whole = d.eof and not d.unused_data and out == open(f"{sys.argv[1]}/k{k}.raw", "rb").read()
                print(f"k{k}", whole)
            """, args: [dir.url.path])
        XCTAssertEqual(output.split(separator: "\n").map(String.init), expected)
    }

    func testTheBytesDependOnTheChunkSizeOnlyAndASingleChunkIsOneLibdeflateCall() throws {
        let data = bytes(3, count: 50_000)
        let once = try XCTUnwrap(ChunkedDeflate.deflate([data], chunkBytes: 8192))
        let again = try XCTUnwrap(ChunkedDeflate.deflate([data.prefix(20_000), data.suffix(from: 20_000)], chunkBytes: 8192))
        XCTAssertEqual(once, again, "the parts' boundaries do not change the stream")
        let whole = try XCTUnwrap(ChunkedDeflate.deflate([data], chunkBytes: 1 << 20))
        XCTAssertEqual(whole, [try XCTUnwrap(data.withUnsafeBytes { DeflateCodec.deflate($0) })])
    }

    func testBlockBoundsRefuseAStreamThatIsNotOneWholeStream() throws {
        let stream = try XCTUnwrap(bytes(1, count: 10_000).withUnsafeBytes { DeflateCodec.deflate($0) })
        XCTAssertNotNil(ChunkedDeflate.blockBounds(stream))
        XCTAssertNil(ChunkedDeflate.blockBounds(stream.prefix(stream.count / 2)), "truncated")
        XCTAssertNil(ChunkedDeflate.blockBounds(stream + Data([1, 2, 3])), "trailing bytes")
    }
}
