import Foundation
import SafeIO

/// A lazy reader of `.safetensors` files (Hugging Face's format: 8-byte little-endian header length,
/// JSON header, one data buffer).
///
/// Opening reads only the length field and the header, refusing headers over 100,000,000 bytes or past the
/// end of the file before allocating for them, and validates the header (see `SafeTensorsHeader`).
/// `tensor(_:)` then reads one tensor's bytes with a positional read: at most one tensor is in memory.
/// Tensors over `limits.maxArrayBytes`, totals over `limits.maxTotalBytes` and more than
/// `limits.maxMembers` tensors are refused when opening.
public final class SafeTensorsFile {
    /// The file's location.
    public let url: URL
    /// The validated header.
    public let header: SafeTensorsHeader
    private let handle: FileHandle
    private let dataStart: UInt64

    /// Opens `url` and reads and validates its header (no tensor data).
    public init(url: URL, limits: ResourceLimits = .default) throws {
        self.url = url
        let path = url.path
        handle = try FileHandle(forReadingFrom: url)
        let size = try handle.seekToEnd()
        guard size >= 8 else { throw SafeTensorsError.headerTooSmall(file: path, size: size) }
        try handle.seek(toOffset: 0)
        let lengthBytes = [UInt8](try handle.read(upToCount: 8) ?? Data())
        guard lengthBytes.count == 8 else { throw SafeTensorsError.headerTooSmall(file: path, size: UInt64(lengthBytes.count)) }
        let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length <= SafeTensorsHeader.maxLength else {
            throw SafeTensorsError.headerTooLarge(file: path, length: length, limit: SafeTensorsHeader.maxLength)
        }
        guard length <= size - 8 else { throw SafeTensorsError.headerPastEnd(file: path, length: length, fileSize: size) }
        let json = [UInt8](try handle.read(upToCount: Int(length)) ?? Data())
        guard json.count == Int(length) else { throw SafeTensorsError.headerPastEnd(file: path, length: length, fileSize: size) }
        header = try SafeTensorsHeader.parse(json, length: length, fileSize: size, path: path)
        dataStart = 8 + length
        if header.entries.count > limits.maxMembers {
            throw SafeTensorsError.tooManyTensors(file: path, count: header.entries.count, limit: limits.maxMembers)
        }
        let total = size - dataStart
        if total > limits.maxTotalBytes {
            throw SafeTensorsError.tooLarge(file: path, what: "the data buffer", bytes: total, limit: limits.maxTotalBytes)
        }
        if let big = header.entries.first(where: { $0.byteCount > limits.maxArrayBytes }) {
            throw SafeTensorsError.tooLarge(file: path, what: "tensor '\(big.name)'", bytes: big.byteCount, limit: limits.maxArrayBytes)
        }
    }

    deinit { try? handle.close() }

    /// Tensor names in data-buffer order.
    public var names: [String] { header.entries.map(\.name) }

    /// `__metadata__` pairs in header order, or nil.
    public var metadata: [(key: String, value: String)]? { header.metadata }

    /// The header entry of tensor `name`.
    public func entry(_ name: String) throws -> SafeTensorsHeader.Entry {
        guard let e = header.entries.first(where: { $0.name == name }) else {
            throw SafeTensorsError.noSuchTensor(file: url.path, tensor: name, available: names)
        }
        return e
    }

    /// Reads tensor `name` (one positional read of exactly its bytes).
    public func tensor(_ name: String) throws -> SafeTensor {
        let e = try entry(name)
        let count = Int(e.byteCount)  // <= maxArrayBytes, checked when opening
        var data = Data(count: count)
        try data.withUnsafeMutableBytes { raw in
            var done = 0
            while done < count {
                let n = pread(handle.fileDescriptor, raw.baseAddress! + done, count - done, off_t(dataStart + e.begin) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw SafeTensorsError.incompleteBuffer(file: url.path, tensorBytes: e.end, bufferBytes: e.begin + UInt64(done))
                }
                done += n
            }
        }
        return try SafeTensor(dtype: e.dtype, shape: e.shape, data: data)
    }
}
