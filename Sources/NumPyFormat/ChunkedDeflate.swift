import CDeflate
import CGzip
import Dispatch
import Foundation

/// Raw DEFLATE of a large member on every core: the member is cut into chunks of `chunkBytes`, libdeflate
/// compresses the chunks at once, and their streams are joined into one stream as pigz joins its blocks.
///
/// libdeflate takes whole buffers and ends each stream with a final block, so a stream cannot simply be followed by
/// another. Each chunk's stream but the last is made to continue (`continued(_:)`): zlib's `inflate` with `Z_BLOCK`
/// walks it to find where its final block starts and where it ends, the final block's BFINAL bit is cleared, and an
/// empty stored block (three zero bits, padding to a byte, then `00 00 FF FF`) brings the stream to a byte boundary,
/// where the next chunk's stream begins. Every inflater (zlib, libdeflate, Python's `zipfile`) reads the joined
/// stream as one.
///
/// Chunk boundaries depend only on the member's size, never on the core count, so the bytes written are the same on
/// every machine; a member of at most one chunk is one libdeflate call, as before. Each chunk starts without the
/// previous chunk's 32 KiB of history, which costs a few hundred bytes per 16 MiB chunk at most.
enum ChunkedDeflate {
    /// Bytes per chunk: enough chunks to keep both cores busy on members of tens of megabytes, each long enough that
    /// its lost history and its joining cost nothing measurable.
    static let chunkBytes = 16 << 20

    /// The raw DEFLATE stream of the bytes of `parts` in order (libdeflate at `level`), as pieces to write one after
    /// another; nil when libdeflate or zlib cannot allocate their state. Chunks that lie inside one part are read in
    /// place; only a chunk that straddles two parts is copied, so a `.npy` header and its array are never joined into
    /// one buffer.
    static func deflate(_ parts: [Data], level: Int32 = DeflateCodec.level, chunkBytes: Int = chunkBytes) -> [Data]? {
        let total = parts.reduce(0) { $0 + $1.count }
        let count = max(1, (total + chunkBytes - 1) / chunkBytes)
        var starts: [Int] = []
        var position = 0
        for part in parts {
            starts.append(position)
            position += part.count
        }
        let results = UnsafeMutableBufferPointer<Data?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        func compress(_ index: Int) {
            let lower = index * chunkBytes
            let upper = min(total, lower + chunkBytes)
            let stream = withChunk(lower..<upper, of: parts, starts: starts) { DeflateCodec.deflate($0, level: level) }
            results[index] = index == count - 1 ? stream : stream.flatMap(continued)
        }
        if count == 1 {
            compress(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: count, execute: compress)
        }
        var pieces: [Data] = []
        for result in results {
            guard let result else { return nil }
            pieces.append(result)
        }
        return pieces
    }

    /// Calls `body` with bytes `range` of the concatenation of `parts` (part i starting at `starts[i]`): in place
    /// when one part holds them all, else from a copy.
    private static func withChunk<T>(
        _ range: Range<Int>, of parts: [Data], starts: [Int], _ body: (UnsafeRawBufferPointer) -> T
    ) -> T {
        if let i = parts.indices.first(where: { starts[$0] <= range.lowerBound && range.upperBound <= starts[$0] + parts[$0].count }) {
            return parts[i].withUnsafeBytes { bytes in
                body(UnsafeRawBufferPointer(rebasing: bytes[(range.lowerBound - starts[i])..<(range.upperBound - starts[i])]))
            }
        }
        var copy = Data(capacity: range.count)
        for (i, part) in parts.enumerated() {
            let lower = max(range.lowerBound, starts[i])
            let upper = min(range.upperBound, starts[i] + part.count)
            guard lower < upper else { continue }
            copy.append(part[(part.startIndex + lower - starts[i])..<(part.startIndex + upper - starts[i])])
        }
        return copy.withUnsafeBytes(body)
    }

    /// The whole raw DEFLATE stream `stream` made to continue: its final block's BFINAL bit cleared, its padding
    /// bits cleared, and an empty stored block appended after its last bit, so that it ends on a byte boundary
    /// without ending the stream. Nil when zlib cannot allocate its state or does not read `stream` to its end as
    /// one whole stream (never for libdeflate's output).
    static func continued(_ stream: Data) -> Data? {
        guard let (finalBlockBit, endBit) = blockBounds(stream) else { return nil }
        var joined = stream.prefix((endBit + 7) / 8)
        joined.count = (endBit + 3 + 7) / 8  // room for the stored block's three header bits, zero-filled
        let first = joined.startIndex
        joined[first + finalBlockBit / 8] &= ~(UInt8(1) << UInt8(finalBlockBit % 8))
        if endBit % 8 != 0 { joined[first + endBit / 8] &= (UInt8(1) << UInt8(endBit % 8)) - 1 }
        joined.append(contentsOf: [0, 0, 0xFF, 0xFF])  // LEN 0 and its complement NLEN
        return joined
    }

    /// Where the final block of the raw DEFLATE stream `stream` starts and where the stream ends, in bits from its
    /// start (bit 0 is the least significant bit of byte 0, as DEFLATE counts): zlib's `inflate` with `Z_BLOCK`
    /// stops at every block boundary and says how many of the input bits it has taken it has not used. Nil when the
    /// stream is not one whole, valid stream filling `stream`.
    static func blockBounds(_ stream: Data) -> (finalBlock: Int, end: Int)? {
        var z = z_stream()
        guard wb_inflateInit2(&z, -15) == Z_OK else { return nil }
        defer { inflateEnd(&z) }
        let window = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer { window.deallocate() }
        return stream.withUnsafeBytes { bytes -> (Int, Int)? in
            guard let base = bytes.baseAddress, bytes.count <= Int(UInt32.max) else { return nil }
            z.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
            z.avail_in = UInt32(bytes.count)
            var boundary = 0
            var end: Int? = nil
            while true {
                z.next_out = window
                z.avail_out = 1 << 16
                let status = inflate(&z, Z_BLOCK)
                // `data_type` holds the count of input bits read but not used (below 64) plus flags 64, 128 and 256.
                let bit = Int(z.total_in) * 8 - Int(z.data_type & 63)
                if status == Z_STREAM_END {
                    guard z.avail_in == 0, let end else { return nil }
                    return (boundary, end)
                }
                guard status == Z_OK else { return nil }
                // At a block boundary (128): before the final block's header, the last such place starts the final
                // block; after the final block (64 too), it is the stream's end. The end must be taken here: on the
                // way to `Z_STREAM_END`, zlib drops the final byte's padding bits, and with them where the end was.
                if z.data_type & 128 != 0 {
                    if z.data_type & 64 == 0 { boundary = bit } else { end = bit }
                }
            }
        }
    }
}
