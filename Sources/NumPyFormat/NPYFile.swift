import Foundation
import SafeIO

/// Reads and writes single arrays in numpy's `.npy` format (versions 1.0, 2.0, 3.0).
///
/// Layout: `\x93NUMPY`, major and minor version bytes, a little-endian header length (2 bytes in
/// 1.0, 4 in 2.0/3.0), a Python dict literal padded with spaces and `\n` so the data starts at a
/// multiple of 64, then the raw element bytes. Bytes after the data are ignored, as numpy does.
public enum NPYFile {
    /// Decodes a whole `.npy` file held in memory. `source` names it in errors.
    ///
    /// Throws `NPYError` for a bad magic, version or header, refused dtypes, data larger than
    /// `limits.maxArrayBytes` (checked before copying), and data shorter than the header claims.
    public static func decode(_ data: Data, source: String, limits: ResourceLimits = .default) throws -> NPYArray {
        let header = try decodeHeader(data, source: source)
        try check(header, available: UInt64(data.count), source: source, limits: limits)
        let start = data.startIndex + header.headerLength
        let body = data.subdata(in: start..<start + header.byteCount)
        return try NPYArray(dtype: header.dtype, shape: header.shape, fortranOrder: header.fortranOrder, data: body)
    }

    /// Parses the header from the first bytes of a file (at least `headerLength` of them; a prefix of
    /// 10 + 10000 bytes always suffices). Throws `NPYError.truncatedHeader` saying how many are needed.
    public static func decodeHeader(_ prefix: Data, source: String) throws -> NPYHeader {
        try NPYHeader.parse(prefix, source: source)
    }

    /// Refuses `header` unless its data fits the limits and `available` file bytes.
    static func check(_ header: NPYHeader, available: UInt64, source: String, limits: ResourceLimits) throws {
        let bytes = UInt64(header.byteCount)
        if bytes > limits.maxArrayBytes {
            throw NPYError.arrayTooLarge(file: source, bytes: bytes, limit: limits.maxArrayBytes)
        }
        let have = available >= UInt64(header.headerLength) ? available - UInt64(header.headerLength) : 0
        if have < bytes { throw NPYError.truncatedData(file: source, expectedBytes: bytes, foundBytes: have) }
    }

    /// The bytes of a `.npy` file holding `array`, exactly as numpy's `np.save` writes them (version
    /// 1.0 unless the header needs more). Throws `.byteCountMismatch` if `data` does not fit the shape.
    public static func encode(_ array: NPYArray) throws -> Data {
        let (_, bytes) = try NPYHeader.sizes(shape: array.shape, itemSize: array.dtype.itemSize, source: "array")
        guard array.data.count == bytes else { throw NPYError.byteCountMismatch(expected: bytes, found: array.data.count) }
        var out = NPYHeader.encode(dtype: array.dtype, shape: array.shape, fortranOrder: array.fortranOrder)
        out.append(array.data)
        return out
    }

    /// Reads a `.npy` file. Reads the header first and compares the real file size with what the
    /// header claims before reading (or allocating for) the data, then reads the data with `pread` straight into
    /// the array's buffer (`ArrayBuffer`; Foundation's `FileHandle.read(upToCount:)` reads 4 KiB per system call on Linux and
    /// regrows its buffer: 131,072 calls and several reallocations for 512 MiB).
    public static func read(_ url: URL, limits: ResourceLimits = .default) throws -> NPYArray {
        let file = try ArchiveFile(url: url)
        let header = try readHeader(file, source: url.path, limits: limits)
        let body = try ArrayBuffer.data(header.byteCount, source: url.path) {
            try file.read(into: $0, at: UInt64(header.headerLength), what: "the data")
        }
        return try NPYArray(dtype: header.dtype, shape: header.shape, fortranOrder: header.fortranOrder, data: body)
    }

    /// The header of the `.npy` file open as `file`, checked against `limits` and the file's real size.
    static func readHeader(_ file: ArchiveFile, source: String, limits: ResourceLimits) throws -> NPYHeader {
        var prefix = try file.readData(at: 0, count: Int(min(file.size, 12)), what: "the header")
        let needed = try NPYHeader.requiredLength(prefix, source: source)  // at most 10000 + 12 bytes
        if needed > prefix.count { prefix = try file.readData(at: 0, count: Int(min(UInt64(needed), file.size)), what: "the header") }
        let header = try decodeHeader(prefix, source: source)  // throws `truncatedHeader` for a short file
        try check(header, available: file.size, source: source, limits: limits)
        return header
    }

    /// Writes `array` to `url` atomically (temporary file, then rename). Throws `SafeIOError.exists`
    /// when the file exists and `overwrite` is false.
    /// The header and the array's data are written as they are (no copy into one buffer), with writeback started
    /// as they go (`Writeback`), then fsynced by `AtomicFile`.
    public static func write(_ array: NPYArray, to url: URL, overwrite: Bool = true) throws {
        let (_, bytes) = try NPYHeader.sizes(shape: array.shape, itemSize: array.dtype.itemSize, source: "array")
        guard array.data.count == bytes else { throw NPYError.byteCountMismatch(expected: bytes, found: array.data.count) }
        let header = NPYHeader.encode(dtype: array.dtype, shape: array.shape, fortranOrder: array.fortranOrder)
        try AtomicFile.write(to: url, overwrite: overwrite) { tmp in
            let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SafeIOError.writeFailed(file: url.path, reason: String(cString: strerror(errno))) }
            defer { close(fd) }
            try Writeback.writeAll(header, to: fd, offset: 0, target: url.path)
            try Writeback.writeAll(array.data, to: fd, offset: UInt64(header.count), target: url.path)
        }
    }
}
