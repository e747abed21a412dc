import Foundation
import NumPyFormat
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
        var data = Data(count: Int(e.byteCount))  // <= maxArrayBytes, checked when opening
        try data.withUnsafeMutableBytes { try read(e, at: 0, into: $0) }
        return try SafeTensor(dtype: e.dtype, shape: e.shape, data: data)
    }

    /// Tensor `name` read forward piece by piece (`ArrayPieceReader`) as the NumPy array `tensor(_:).npyArray()`
    /// would give (little-endian, C order), for work that must not hold it whole (`compare`, `convert`): memory stays
    /// at one piece. Nil for BF16, which has no NumPy dtype (read it with `tensor(_:)`).
    public func pieceReader(_ name: String) throws -> ArrayPieceReader? {
        let e = try entry(name)
        guard let type = e.dtype.npyElementType else { return nil }
        let header = try NPYHeader(
            dtype: NPYDType(type, byteOrder: .little), shape: e.shape, fortranOrder: false, version: .v1, headerLength: 0,
            source: "\(url.path): tensor '\(name.printable())'")
        var position: UInt64 = 0
        return ArrayPieceReader(
            header: header,
            fill: { [self] buffer in
                try read(e, at: position, into: buffer)
                position += UInt64(buffer.count)
            },
            finish: {})
    }

    /// Hands tensor `name`'s raw bytes (any dtype, BF16 included) to `sink` in pieces of at most `pieceBytes`, in
    /// order: a copy into another file holds one piece, whatever the tensor's size.
    public func forEachPiece(ofBytes name: String, pieceBytes: Int = 8 << 20, _ sink: (Data) throws -> Void) throws {
        let e = try entry(name)
        var offset: UInt64 = 0
        var piece = Data(count: Int(min(e.byteCount, UInt64(max(1, pieceBytes)))))
        while offset < e.byteCount {
            let n = Int(min(e.byteCount - offset, UInt64(piece.count)))
            if n < piece.count { piece = Data(count: n) }
            try piece.withUnsafeMutableBytes { try read(e, at: offset, into: $0) }
            try sink(piece)
            offset += UInt64(n)
        }
    }

    /// Fills `buffer` from tensor `e`'s bytes starting `offset` bytes into it (positional reads; the header's offsets
    /// were checked against the file's size when it was opened, so a short read means the file shrank).
    private func read(_ e: SafeTensorsHeader.Entry, at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(
                handle.fileDescriptor, buffer.baseAddress! + done, buffer.count - done, off_t(dataStart + e.begin + offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw SafeTensorsError.incompleteBuffer(file: url.path, tensorBytes: e.end, bufferBytes: e.begin + offset + UInt64(done))
            }
            done += n
        }
    }
}
