import CDeflate
import Foundation

/// Whole-buffer raw DEFLATE and CRC-32 through libdeflate, for ZIP members: an `.npz` member is one buffer, so
/// libdeflate's whole-buffer API applies, and it runs several times faster than zlib in both directions (measured
/// numbers in Docs/architecture.md). Streaming work (a member's first bytes, statistics in constant memory) stays
/// with zlib (`StreamingInflater`).
enum DeflateCodec {
    /// What a whole-buffer inflate found.
    enum InflateOutcome: Equatable {
        /// Exactly `count` bytes were produced and the stream ended.
        case complete(count: Int)
        /// The stream needs more room than the output buffer: it inflates past the declared size.
        case overflow
        /// The stream is corrupt or truncated (libdeflate does not tell them apart; `StreamingInflater` does).
        case badData
    }

    /// The compression level `.npz` writes use: libdeflate's 6 compresses as small as or smaller than zlib's
    /// default level (what `np.savez_compressed` uses) at a fraction of its time.
    static let level: Int32 = 6

    /// CRC-32 of `count` bytes at `base`, continuing from `seed` (0 to start).
    static func crc32(_ base: UnsafeRawPointer?, count: Int, seed: UInt32 = 0) -> UInt32 {
        guard let base, count > 0 else { return seed }
        return libdeflate_crc32(seed, base, count)
    }

    /// CRC-32 of `data`, continuing from `seed`.
    static func crc32(_ data: Data, seed: UInt32 = 0) -> UInt32 {
        data.withUnsafeBytes { crc32($0.baseAddress, count: $0.count, seed: seed) }
    }

    /// Inflates the raw DEFLATE stream `input` into `output`, never writing past its end.
    static func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> InflateOutcome {
        guard let decompressor = libdeflate_alloc_decompressor() else { return .badData }
        defer { libdeflate_free_decompressor(decompressor) }
        var consumed = 0
        var produced = 0
        let result = libdeflate_deflate_decompress_ex(
            decompressor, input.baseAddress, input.count, output.baseAddress, output.count, &consumed, &produced)
        switch result {
        case LIBDEFLATE_SUCCESS: return .complete(count: produced)
        case LIBDEFLATE_INSUFFICIENT_SPACE: return .overflow
        default: return .badData
        }
    }

    /// Raw DEFLATE of `input` at `level`, in a `Data` of exactly its size; nil only when libdeflate cannot allocate its
    /// compressor. libdeflate writes into uninitialised scratch of its bound (about the input's size), and only the
    /// bytes written are copied out: a zero-filled buffer of the bound, shrunk afterwards, kept its whole allocation,
    /// and zero-filling memory the allocator reuses makes all of it resident.
    static func deflate(_ input: UnsafeRawBufferPointer, level: Int32 = DeflateCodec.level) -> Data? {
        guard let compressor = libdeflate_alloc_compressor(level) else { return nil }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_deflate_compress_bound(compressor, input.count)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: max(bound, 1), alignment: 16)
        defer { scratch.deallocate() }
        var empty: UInt8 = 0  // libdeflate wants a valid pointer even for no input
        let written = withUnsafeMutablePointer(to: &empty) { placeholder in
            libdeflate_deflate_compress(compressor, input.baseAddress ?? UnsafeRawPointer(placeholder), input.count, scratch, bound)
        }
        guard written > 0 else { return nil }  // the bound always suffices; 0 means libdeflate failed
        return Data(bytes: scratch, count: written)
    }
}
