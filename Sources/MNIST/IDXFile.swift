import Foundation
import SafeIO

/// One IDX file of unsigned bytes, as MNIST distributes them: a big-endian u32 magic
/// (`0x0000_08_nd`: type 0x08 = ubyte, `nd` dimensions), a big-endian u32 per dimension, then the
/// data, row-major. Reads `.gz` files through zlib (streaming) and uncompressed files as they are.
///
/// Only the two MNIST kinds are accepted: images (magic 2051, dimensions count, rows, cols) and
/// labels (magic 2049, dimension count). Every size in the header is untrusted: dimensions are
/// checked against `MNISTLimits`, the total against `ResourceLimits.maxArrayBytes`, against the file
/// size (uncompressed) or the largest deflate ratio (gzip), all before the data is allocated. A file
/// shorter or longer than its header announces is refused.
public struct IDXFile: Sendable {
    /// The kinds of IDX file MNIST uses.
    public enum Kind: UInt32, Sendable {
        /// 3 dimensions: count, rows, cols.
        case images = 2051
        /// 1 dimension: count.
        case labels = 2049

        var dimensionCount: Int { self == .images ? 3 : 1 }
    }

    /// Which kind of file this is.
    public let kind: Kind
    /// The dimensions from the header: `[count, rows, cols]` or `[count]`.
    public let dimensions: [Int]
    /// The data after the header, row-major.
    public let data: [UInt8]
    /// SHA-256 (lowercase hex) of the decompressed file: header and data.
    public let sha256: String

    /// Reads `url` (gzip if its name ends in `.gz` or its first bytes are the gzip magic) and checks
    /// that it is an IDX file of `kind`. Throws `MNISTError` naming the file on any inconsistency.
    public static func read(_ url: URL, kind: Kind, limits: ResourceLimits = .default) throws -> IDXFile {
        let source = try IDXSource(url: url)
        let headerLength = 4 + 4 * kind.dimensionCount
        var header = [UInt8](repeating: 0, count: headerLength)
        // The magic first, so a file of the wrong kind is reported as such rather than as short.
        let gotMagic = try header.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<4])) }
        if gotMagic == 4 {
            let magic = bigEndianU32(header, at: 0)
            guard magic == kind.rawValue else {
                throw MNISTError.badMagic(file: url.path, found: magic, expected: kind.rawValue)
            }
        }
        let got = try gotMagic + header.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[4...])) }
        guard got == headerLength else {
            throw MNISTError.truncated(file: url.path, expectedBytes: UInt64(headerLength), foundBytes: UInt64(got))
        }
        let names = kind == .images ? ["count", "rows", "cols"] : ["count"]
        var dims: [UInt64] = []
        for (i, name) in names.enumerated() {
            let value = UInt64(bigEndianU32(header, at: 4 + 4 * i))
            let limit = i == 0 ? MNISTLimits.maxCount : MNISTLimits.maxSide
            guard value >= 1 && value <= limit else {
                throw MNISTError.badDimension(file: url.path, name: name, value: value, limit: limit)
            }
            dims.append(value)
        }
        var payload: UInt64 = 1
        for d in dims {
            let (product, overflow) = payload.multipliedReportingOverflow(by: d)
            guard !overflow else { throw MNISTError.tooLarge(file: url.path, bytes: .max, limit: limits.maxArrayBytes) }
            payload = product
        }
        guard payload <= limits.maxArrayBytes else {
            throw MNISTError.tooLarge(file: url.path, bytes: payload, limit: limits.maxArrayBytes)
        }
        let total = payload + UInt64(headerLength)
        switch source.compression {
        case .none(let fileSize):
            guard fileSize >= total else {
                throw MNISTError.truncated(file: url.path, expectedBytes: total, foundBytes: fileSize)
            }
            guard fileSize == total else { throw MNISTError.trailingData(file: url.path, expectedBytes: total) }
        case .gzip(let compressedSize):
            // Deflate cannot expand more than about 1032:1, so a small file cannot hold a huge payload.
            let (ceiling, overflow) = max(compressedSize, 1).multipliedReportingOverflow(by: limits.maxInflateRatio)
            guard overflow || total <= ceiling else {
                throw MNISTError.tooLarge(file: url.path, bytes: total, limit: ceiling)
            }
        }
        var data = [UInt8](repeating: 0, count: Int(payload))
        let read = try data.withUnsafeMutableBytes { try source.read(into: $0) }
        guard UInt64(read) == payload else {
            throw MNISTError.truncated(file: url.path, expectedBytes: total, foundBytes: UInt64(headerLength + read))
        }
        var probe: UInt8 = 0
        let extra = try withUnsafeMutableBytes(of: &probe) { try source.read(into: $0) }
        guard extra == 0 else { throw MNISTError.trailingData(file: url.path, expectedBytes: total) }
        let hasher = SHA256Hasher()
        hasher.update(header)
        hasher.update(data)
        return IDXFile(kind: kind, dimensions: dims.map { Int($0) }, data: data, sha256: MNISTChecksum.hex(hasher.finalize()))
    }

    private static func bigEndianU32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}

/// The bytes of an IDX file, decompressed if it is gzip.
private final class IDXSource {
    enum Compression {
        case none(fileSize: UInt64)
        case gzip(compressedSize: UInt64)
    }

    let compression: Compression
    private let inflater: GzipInflater?
    private let handle: FileHandle?
    private let path: String

    init(url: URL) throws {
        path = url.path
        let raw: FileHandle
        do {
            raw = try InputFile.open(url)
        } catch let error as SafeIOError {
            throw MNISTError.unreadable(file: url.path, reason: GzipInflater.reason(error))
        } catch {
            throw MNISTError.unreadable(file: url.path, reason: (error as NSError).localizedFailureReason ?? "no such file or not readable")
        }
        let size = FileSize.of(url) ?? 0  // the file a symbolic link points to, not the link
        let magic = (try? raw.read(upToCount: 2)).map { [UInt8]($0) } ?? []
        if magic == [0x1f, 0x8b] || url.pathExtension == "gz" {
            try? raw.close()
            inflater = try GzipInflater(url: url)
            handle = nil
            compression = .gzip(compressedSize: size)
        } else {
            try raw.seek(toOffset: 0)
            inflater = nil
            handle = raw
            compression = .none(fileSize: size)
        }
    }

    deinit { try? handle?.close() }

    /// Fills `buffer`; returns the number of bytes written, short only at the end of the data.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let inflater { return try inflater.read(into: buffer) }
        guard let handle, let base = buffer.baseAddress else { return 0 }
        var filled = 0
        while filled < buffer.count {
            let want = min(buffer.count - filled, GzipInflater.chunkSize * 16)
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: want)
            } catch {
                throw MNISTError.unreadable(file: path, reason: error.localizedDescription)
            }
            guard let chunk, !chunk.isEmpty else { break }
            chunk.copyBytes(to: (base + filled).assumingMemoryBound(to: UInt8.self), count: chunk.count)
            filled += chunk.count
        }
        return filled
    }
}
