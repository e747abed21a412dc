import Foundation
import NumPyFormat
import SafeIO

/// NumPy arrays written into a `.safetensors` file piece by piece, for converters that must not hold a whole array.
extension SafeTensorsWriter {
    /// Whether an array with `header` can be copied piece by piece (`copy(_:to:)`): true unless it is
    /// Fortran-ordered with two or more dimensions, whose C-order bytes need the whole array (`SafeTensor(_:)`).
    public static func canCopy(_ header: NPYHeader) -> Bool { !header.fortranOrder || header.shape.count <= 1 }

    /// Hands the data of `reader`'s array to `sink` as the bytes a `.safetensors` file holds for it (little-endian,
    /// C order), one piece of about 8 MiB at a time: big-endian elements are byte-swapped piece by piece, so the
    /// values are the same, bit for bit, as `SafeTensor(_:)` gives. The reader's own checks (a source member's size
    /// and CRC-32) run when its last piece is taken. Precondition: `canCopy(reader.header)`.
    public static func copy(_ reader: ArrayPieceReader, to sink: (Data) throws -> Void) throws {
        precondition(canCopy(reader.header), "a Fortran-ordered array needs the whole-array path")
        let size = reader.header.dtype.itemSize
        let swap = reader.header.dtype.byteOrder == .big
        while let piece = try reader.next(maxElements: max(1, Writeback.interval / size)) {
            guard swap else {
                try sink(piece.data)
                continue
            }
            var bytes = piece.data
            SafeTensor.swapElementBytes(&bytes, itemSize: size)
            try sink(bytes)
        }
    }
}
