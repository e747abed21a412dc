import Foundation
import NumPyFormat

/// One tensor of a `.safetensors` file: dtype, shape and its raw little-endian, row-major bytes.
///
/// `data` always holds exactly `count * dtype.itemSize` bytes (checked by the initialisers; the
/// properties cannot be changed apart). `BF16` has no NumPy dtype, so its bytes are kept as they are
/// and tagged; `floats()` reads them exactly (a bfloat16 is the top half of a float32).
/// A 0-d tensor has `shape == []` and one element; a tensor with a zero dimension has none.
public struct SafeTensor: Sendable, Equatable {
    public private(set) var dtype: SafeTensorsDType
    public private(set) var shape: [Int]
    /// Element bytes, little-endian, in C (row-major) order.
    public private(set) var data: Data

    /// Number of elements (1 for 0-d).
    public var count: Int { shape.reduce(1, *) }

    /// A tensor over existing bytes. Throws `SafeTensorsError.invalidTensor` for negative or
    /// overflowing shapes and for `data` that is not exactly `count * itemSize` bytes.
    public init(dtype: SafeTensorsDType, shape: [Int], data: Data) throws {
        let bytes = try SafeTensor.byteCount(shape: shape, dtype: dtype, name: "tensor")
        guard data.count == bytes else {
            throw SafeTensorsError.invalidTensor(
                name: "tensor", reason: "\(data.count) bytes for shape \(shape) of \(dtype.rawValue), expected \(bytes)")
        }
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    /// The same values as a NumPy array: little-endian, C order, byte-for-byte the same data.
    /// Throws `SafeTensorsError.noNumPyDType` for `BF16` (see `float32Array()`).
    public func npyArray(name: String = "tensor") throws -> NPYArray {
        guard let type = dtype.npyElementType else { throw SafeTensorsError.noNumPyDType(tensor: name, dtype: dtype.rawValue) }
        return try NPYArray(dtype: NPYDType(type, byteOrder: .little), shape: shape, data: data)
    }

    /// The values as a float32 NumPy array: exact for BF16 and F16; other dtypes as `NPYArray.floats()` converts them.
    public func float32Array() throws -> NPYArray {
        NPYArray(shape: shape, float32: try floats())
    }

    /// Values as `Float` in C order. BF16 and F16 convert exactly; F64 and 64-bit integers round to nearest.
    public func floats() throws -> [Float] {
        guard dtype == .bfloat16 else { return try npyArray().floats() }
        return data.withUnsafeBytes { raw in
            (0..<count).map { i in
                Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
            }
        }
    }

    /// Values as `Double` in C order; exact except 64-bit integers above 2^53.
    public func doubles() throws -> [Double] {
        guard dtype == .bfloat16 else { return try npyArray().doubles() }
        return try floats().map(Double.init)
    }

    /// The tensor holding `array`'s values with the same dtype: big-endian data is byte-swapped and
    /// Fortran-ordered data reordered to C order, so the values are the same, bit for bit.
    public init(_ array: NPYArray) throws {
        let dtype = SafeTensorsDType(array.dtype.elementType)
        var bytes = array.cOrderData
        let size = array.dtype.itemSize
        if array.dtype.byteOrder == .big { SafeTensor.swapElementBytes(&bytes, itemSize: size) }
        try self.init(dtype: dtype, shape: array.shape, data: bytes)
    }

    /// Reverses the bytes of every `itemSize`-byte element of `bytes` in place (big-endian to little-endian).
    static func swapElementBytes(_ bytes: inout Data, itemSize: Int) {
        bytes.withUnsafeMutableBytes { raw in
            for i in stride(from: 0, to: raw.count, by: itemSize) {
                for k in 0..<itemSize / 2 { raw.swapAt(i + k, i + itemSize - 1 - k) }
            }
        }
    }

    /// `count * itemSize` with checked arithmetic, refusing negative dimensions.
    static func byteCount(shape: [Int], dtype: SafeTensorsDType, name: String) throws -> Int {
        var count = 1
        for d in shape {
            guard d >= 0 else { throw SafeTensorsError.invalidTensor(name: name, reason: "negative dimension in shape \(shape)") }
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw SafeTensorsError.invalidTensor(name: name, reason: "shape \(shape) overflows") }
            count = p
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow else { throw SafeTensorsError.invalidTensor(name: name, reason: "shape \(shape) overflows") }
        return bytes
    }
}
