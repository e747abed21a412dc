import CGzip
import Foundation

/// Raw DEFLATE inflated piece by piece through zlib, for the work that must not hold a whole member: reading a
/// member's first bytes (its `.npy` header), statistics in constant memory, and telling a truncated stream from a
/// corrupt one after libdeflate's whole-buffer inflate refused it.
///
/// `input` is asked for the next compressed chunk (empty at the end of the member's bytes); `output` receives each
/// inflated chunk and may throw to stop early. Ends with `.truncated` when the input runs out before the stream's
/// end, `.corrupt` on bad data; extra input after the stream's end is ignored, as zlib and Python do.
final class StreamingInflater {
    /// How the stream ended.
    enum Ending: Equatable {
        case complete
        case truncated
        case corrupt
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8]
    /// Compressed bytes held between `read(into:refill:)` calls (zlib keeps pointing into them); allocated on first use.
    private var input: UnsafeMutableRawBufferPointer?

    /// A raw-DEFLATE zlib stream with an `outputChunk`-byte output buffer; nil when zlib cannot allocate its state.
    init?(outputChunk: Int = 1 << 16) {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard wb_inflateInit2(stream, -15) == Z_OK else {
            stream.deallocate()
            return nil
        }
        output = [UInt8](repeating: 0, count: outputChunk)
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input?.deallocate()
    }

    /// Pull mode: inflates into `buffer` until it is full or the stream ends, calling `refill` for more compressed
    /// bytes (it fills the buffer it is given and returns how many it wrote, 0 at the end of the member). Returns
    /// the bytes written and, once the stream has ended (or cannot go on), how. Not to be mixed with `run`.
    func read(into buffer: UnsafeMutableRawBufferPointer, refill: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> (
        count: Int, ending: Ending?
    ) {
        let input = self.input ?? UnsafeMutableRawBufferPointer.allocate(byteCount: output.count, alignment: 16)
        self.input = input
        var written = 0
        while written < buffer.count {
            if stream.pointee.avail_in == 0 {
                let n = try refill(input)
                if n == 0 { return (written, .truncated) }
                stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_in = uInt(n)
            }
            let room = min(buffer.count - written, Int(UInt32.max))
            stream.pointee.next_out = (buffer.baseAddress! + written).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(room)
            let status = inflate(stream, Z_NO_FLUSH)
            written += room - Int(stream.pointee.avail_out)
            stream.pointee.next_out = nil
            switch status {
            case Z_STREAM_END: return (written, .complete)
            case Z_OK: continue
            case Z_BUF_ERROR where stream.pointee.avail_in == 0: continue  // needs more input
            default: return (written, .corrupt)
            }
        }
        return (written, nil)
    }

    /// Runs the stream to its end (or until `output` throws).
    func run(input: () throws -> Data, output sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Ending {
        var status: Int32 = Z_OK
        while status != Z_STREAM_END {
            let chunk = try input()
            if chunk.isEmpty { return .truncated }
            let ending: Ending? = try chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Ending? in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: raw.baseAddress!.assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = uInt(raw.count)
                defer { stream.pointee.next_in = nil }
                repeat {
                    let produced = try output.withUnsafeMutableBytes { o -> Int in
                        stream.pointee.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
                        stream.pointee.avail_out = uInt(o.count)
                        status = inflate(stream, Z_NO_FLUSH)
                        let n = o.count - Int(stream.pointee.avail_out)
                        stream.pointee.next_out = nil
                        if n > 0 { try sink(UnsafeRawBufferPointer(rebasing: o[0..<n])) }
                        return n
                    }
                    switch status {
                    case Z_OK, Z_STREAM_END: break
                    case Z_BUF_ERROR where produced == 0: return nil  // needs more input
                    default: return .corrupt
                    }
                } while status != Z_STREAM_END && (stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0)
                return nil
            }
            if let ending { return ending }
        }
        return .complete
    }
}
