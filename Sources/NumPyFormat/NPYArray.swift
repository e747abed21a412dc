import Foundation

/// An n-dimensional numpy array: dtype, shape, order flag and the raw element bytes exactly as stored.
///
/// `data` is never reordered or byte-swapped: a Fortran-ordered array keeps its column-major
/// storage and `fortranOrder` says so; the accessors (`floats()`, `doubles()`, ...) return values in
/// C (row-major) logical order, converting byte order and storage order explicitly.
/// A 0-d array has `shape == []` and one element; an array with a zero dimension has none.
public struct NPYArray: Sendable, Equatable {
    public var dtype: NPYDType
    public var shape: [Int]
    public var fortranOrder: Bool
    /// Raw element bytes in the dtype's byte order, in C or Fortran order as `fortranOrder` says.
    public var data: Data

    /// Number of elements (product of `shape`; 1 for 0-d).
    public var count: Int { shape.reduce(1, *) }
    /// `count * dtype.itemSize`.
    public var byteCount: Int { count * dtype.itemSize }

    /// An array over existing bytes. Throws `NPYError.byteCountMismatch` unless `data` holds exactly
    /// `count * itemSize` bytes, and for negative or overflowing shapes.
    public init(dtype: NPYDType, shape: [Int], fortranOrder: Bool = false, data: Data) throws {
        let (_, bytes) = try NPYHeader.sizes(shape: shape, itemSize: dtype.itemSize, source: "array")
        guard data.count == bytes else { throw NPYError.byteCountMismatch(expected: bytes, found: data.count) }
        self.dtype = dtype
        self.shape = shape
        self.fortranOrder = fortranOrder
        self.data = data
    }

    /// A little-endian float32 array in C order. `values.count` must equal the product of `shape`.
    public init(shape: [Int], float32 values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values for shape \(shape)")
        self.dtype = .float32
        self.shape = shape
        self.fortranOrder = false
        self.data = values.withUnsafeBufferPointer { buffer in
            NPYArray.bytes(buffer, swap: NPYByteOrder.host != .little) { $0.bitPattern.byteSwapped }
        }
    }

    /// A little-endian float32 array in C order over `values`' own storage, without copying it (the storage is kept
    /// alive by the array's data), so that large weights reach a writer in the memory of one copy. Copies on a
    /// big-endian host. `values.count` must equal the product of `shape`.
    public init(shape: [Int], sharing values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values for shape \(shape)")
        self.dtype = .float32
        self.shape = shape
        self.fortranOrder = false
        guard NPYByteOrder.host == .little, !values.isEmpty else {
            self.data = values.withUnsafeBufferPointer {
                NPYArray.bytes($0, swap: NPYByteOrder.host != .little) { $0.bitPattern.byteSwapped }
            }
            return
        }
        // A native array's storage does not move while a reference to it is held and nothing writes through it (a
        // write to any copy of `values` copies first); the deallocator holds that reference.
        self.data = values.withUnsafeBytes { raw in
            Data(
                bytesNoCopy: UnsafeMutableRawPointer(mutating: raw.baseAddress!), count: raw.count,
                deallocator: .custom { _, _ in withExtendedLifetime(values) {} })
        }
    }

    /// A little-endian float64 array in C order. `values.count` must equal the product of `shape`.
    public init(shape: [Int], float64 values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values for shape \(shape)")
        self.dtype = .float64
        self.shape = shape
        self.fortranOrder = false
        self.data = values.withUnsafeBufferPointer { buffer in
            NPYArray.bytes(buffer, swap: NPYByteOrder.host != .little) { $0.bitPattern.byteSwapped }
        }
    }

    /// An array of `T`'s own dtype (`T.npyElementType`, little-endian, C order) holding `values` exactly:
    /// `NPYArray(shape: [2], values: [Int64.min, Int64.max])` is an `<i8` array, `values: [true, false]` a `|b1`
    /// array, `values: [Float16]` an `<f2` array. No value passes through `Double`.
    ///
    /// Throws `NPYError.valueCountMismatch` when `values.count` is not the product of `shape`, and for negative
    /// or overflowing shapes. `T` must have the size of its element type (every conformance in this package does).
    public init<T: NPYElement>(shape: [Int], values: [T]) throws {
        let type = T.npyElementType
        precondition(MemoryLayout<T>.stride == type.itemSize, "\(T.self) is not the size of \(type.rawValue)")
        let (count, _) = try NPYHeader.sizes(shape: shape, itemSize: type.itemSize, source: "array")
        guard count == values.count else { throw NPYError.valueCountMismatch(shape: shape, expected: count, found: values.count) }
        var data = values.withUnsafeBytes { Data($0) }
        if NPYByteOrder.host == .big && type.itemSize > 1 {
            let size = type.itemSize
            data.withUnsafeMutableBytes { raw in
                for start in stride(from: 0, to: raw.count, by: size) {
                    var element = UnsafeMutableRawBufferPointer(rebasing: raw[start..<start + size])
                    element.reverse()
                }
            }
        }
        self.dtype = NPYDType(type)
        self.shape = shape
        self.fortranOrder = false
        self.data = data
    }

    /// An array of any dtype from C-order `values`, converted to `dtype` (in its byte order).
    ///
    /// Floats round to nearest (f2/f4). Integer dtypes require integral values in range, bool requires
    /// 0 or 1; otherwise throws `NPYError.valueNotRepresentable`. Throws `.valueCountMismatch` when
    /// `values.count` is not the product of `shape`.
    public init(shape: [Int], values: [Double], dtype: NPYDType) throws {
        let (count, bytes) = try NPYHeader.sizes(shape: shape, itemSize: dtype.itemSize, source: "array")
        guard count == values.count else { throw NPYError.valueCountMismatch(shape: shape, expected: count, found: values.count) }
        var out = Data(count: bytes)
        let swap = !dtype.isHostOrder
        try out.withUnsafeMutableBytes { raw in
            func store<T: FixedWidthInteger>(_ i: Int, _ v: T) {
                raw.storeBytes(of: swap ? v.byteSwapped : v, toByteOffset: i * MemoryLayout<T>.size, as: T.self)
            }
            func integer<T: FixedWidthInteger>(_ v: Double, _: T.Type) throws -> T {
                guard let x = T(exactly: v) else { throw NPYError.valueNotRepresentable(value: "\(v)", descr: dtype.descr) }
                return x
            }
            for (i, v) in values.enumerated() {
                switch dtype.elementType {
                case .float16: store(i, Float16(v).bitPattern)
                case .float32: store(i, Float(v).bitPattern)
                case .float64: store(i, v.bitPattern)
                case .int8: store(i, try integer(v, Int8.self))
                case .int16: store(i, try integer(v, Int16.self))
                case .int32: store(i, try integer(v, Int32.self))
                case .int64: store(i, try integer(v, Int64.self))
                case .uint8: store(i, try integer(v, UInt8.self))
                case .uint16: store(i, try integer(v, UInt16.self))
                case .uint32: store(i, try integer(v, UInt32.self))
                case .uint64: store(i, try integer(v, UInt64.self))
                case .bool:
                    guard v == 0 || v == 1 else { throw NPYError.valueNotRepresentable(value: "\(v)", descr: dtype.descr) }
                    store(i, UInt8(v))
                }
            }
        }
        self.dtype = dtype
        self.shape = shape
        self.fortranOrder = false
        self.data = out
    }

    /// Copies `buffer`'s elements into bytes, byte-swapping each through `swapped` when asked.
    private static func bytes<T>(_ buffer: UnsafeBufferPointer<T>, swap: Bool, _ swapped: (T) -> some FixedWidthInteger) -> Data {
        guard swap else { return Data(buffer: buffer) }
        var out = Data(count: buffer.count * MemoryLayout<T>.size)
        out.withUnsafeMutableBytes { raw in
            for (i, v) in buffer.enumerated() {
                let s = swapped(v)
                raw.storeBytes(of: s, toByteOffset: i * MemoryLayout.size(ofValue: s), as: type(of: s))
            }
        }
        return out
    }
}
