import Foundation
import SafeIO

/// An array's data read forward piece by piece, in storage order, when the caller asks (pull): two arrays can be
/// walked side by side in the memory of two pieces, whatever their size (`compare`). Made by
/// `NPZArchive.pieceReader(_:)` for an `.npz` member and `ArrayPieceReader.open(npy:limits:)` for a `.npy` file.
///
/// Each piece is a one-dimensional `NPYArray` of whole elements of the array's dtype and byte order; a
/// Fortran-ordered array comes in Fortran storage order. The checks of a whole read apply: header and limits before
/// any data, and for a member its exact size and CRC-32 once the last piece has been handed over (so a corrupt
/// member can throw after some pieces; callers discard what they gathered).
public final class ArrayPieceReader {
    /// The array's header: dtype, shape, storage order.
    public let header: NPYHeader
    /// Bytes of data not yet handed out.
    private var remaining: Int
    private let fill: (UnsafeMutableRawBufferPointer) throws -> Void
    private let finish: () throws -> Void
    private var finished = false

    package init(header: NPYHeader, fill: @escaping (UnsafeMutableRawBufferPointer) throws -> Void, finish: @escaping () throws -> Void) {
        self.header = header
        self.remaining = header.byteCount
        self.fill = fill
        self.finish = finish
    }

    /// The next piece, of at most `maxElements` elements (at least one); nil once the array is over (after the
    /// final checks).
    public func next(maxElements: Int) throws -> NPYArray? {
        let itemSize = header.dtype.itemSize
        let bytes = min(max(1, maxElements) * itemSize, remaining)
        guard bytes > 0 else {
            if !finished {
                finished = true
                try finish()
            }
            return nil
        }
        var data = Data(count: bytes)
        try data.withUnsafeMutableBytes { try fill($0) }
        remaining -= bytes
        return try NPYArray(dtype: header.dtype, shape: [bytes / itemSize], data: data)
    }

    /// A reader of an array already in memory (its data in storage order), so that code written for readers also
    /// takes arrays that had to be read or converted whole.
    public convenience init(array: NPYArray) throws {
        let header = try NPYHeader(
            dtype: array.dtype, shape: array.shape, fortranOrder: array.fortranOrder, version: .v1, headerLength: 0, source: "array")
        var position = 0
        self.init(
            header: header,
            fill: { buffer in
                array.data.withUnsafeBytes { source in
                    buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + buffer.count)]))
                }
                position += buffer.count
            },
            finish: {})
    }

    /// A reader of the `.npy` file `url`, its header and size checked as `NPYFile.read` checks them.
    public static func open(npy url: URL, limits: ResourceLimits = .default) throws -> ArrayPieceReader {
        let file = try ArchiveFile(url: url)
        let header = try NPYFile.readHeader(file, source: url.path, limits: limits)
        var position = UInt64(header.headerLength)
        return ArrayPieceReader(
            header: header,
            fill: { buffer in
                try file.read(into: buffer, at: position, what: "the data")
                position += UInt64(buffer.count)
            },
            finish: {})
    }
}
