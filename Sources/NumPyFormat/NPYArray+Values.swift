import Foundation

/// Typed access to an array's values, always in C (row-major) logical order.
extension NPYArray {
    /// The values as `[T]` in C order, from any dtype: `values(as: Float.self)`, `values(as: Int64.self)`, ...
    ///
    /// A dtype read as its own element type in host byte order is one memory copy. Otherwise each element
    /// converts through `T.init(npyStored:)`: floating-point types round to nearest; integer types take integer
    /// and bool elements exactly (int64 and uint64 never pass through `Double`); `Bool` takes 0 and 1.
    /// Throws `NPYError.wrongElementType` when `T` is an integer or `Bool` and the dtype is floating-point,
    /// `.valueDoesNotFit` naming the first element that does not fit `T`, `.byteCountMismatch` if `data`
    /// is short.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @_specialize(where T == Int64)
    @_specialize(where T == Int)
    public func values<T: NPYElement>(as _: T.Type) throws -> [T] {
        let wanted = T.npyElementType
        if !wanted.isFloatingPoint && dtype.elementType.isFloatingPoint {
            throw NPYError.wrongElementType(descr: dtype.descr, wanted: String(describing: T.self))
        }
        if wanted == dtype.elementType && wanted != .bool && dtype.isHostOrder && MemoryLayout<T>.stride == wanted.itemSize {
            return try cOrder(try bulk(T.self))
        }
        let descr = dtype.descr
        func convert(_ stored: NPYStoredValue) throws -> T {
            guard let value = T(npyStored: stored) else {
                let text: String
                switch stored {
                case .floatingPoint(let v): text = "\(v)"
                case .signed(let v): text = "\(v)"
                case .unsigned(let v): text = "\(v)"
                }
                throw NPYError.valueDoesNotFit(value: text, descr: descr, wanted: String(describing: T.self))
            }
            return value
        }
        return try cOrder(
            try mapStorage {
                try convert(.floatingPoint($0))
            } integer: {
                try convert(.signed($0))
            } unsigned: {
                try convert(.unsigned($0))
            })
    }

    /// Values as `Float`, from any dtype: `values(as: Float.self)`. float64 rounds to nearest float32; integers
    /// above 2^24 in magnitude round to nearest; bool gives 0 or 1. Throws `.byteCountMismatch` if `data` is short.
    public func floats() throws -> [Float] { try values(as: Float.self) }

    /// Values as `Double`, from any dtype: `values(as: Double.self)`. Exact except int64/uint64 magnitudes above
    /// 2^53, which round to nearest. Bool gives 0 or 1. Throws `.byteCountMismatch` if `data` is short.
    public func doubles() throws -> [Double] { try values(as: Double.self) }

    /// Values as `Int64`, from integer and bool dtypes only: `values(as: Int64.self)`. Throws `.wrongElementType`
    /// for float dtypes and `.valueDoesNotFit` for a uint64 above `Int64.max`.
    public func int64s() throws -> [Int64] { try values(as: Int64.self) }

    /// Values of a `|u1` array (images), without conversion. Throws `.wrongElementType` for other dtypes.
    public func uint8s() throws -> [UInt8] {
        guard dtype.elementType == .uint8 else { throw NPYError.wrongElementType(descr: dtype.descr, wanted: "UInt8") }
        return try cOrder(try bulk(UInt8.self))
    }

    // MARK: - Storage

    private func checkedData() throws -> Data {
        let (_, bytes) = try NPYHeader.sizes(shape: shape, itemSize: dtype.itemSize, source: "array")
        guard data.count == bytes else { throw NPYError.byteCountMismatch(expected: bytes, found: data.count) }
        return data
    }

    /// The storage as `T` by one memory copy (host byte order only).
    private func bulk<T>(_: T.Type) throws -> [T] {
        let data = try checkedData()
        let n = data.count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            data.withUnsafeBytes { raw in
                if n > 0 { memcpy(buffer.baseAddress!, raw.baseAddress!, n * MemoryLayout<T>.stride) }
            }
            initialized = n
        }
    }

    /// Converts each stored element (in storage order) through the closure for its kind:
    /// floats (and f2) as Double, signed integers and bool as Int64, unsigned as UInt64.
    private func mapStorage<R>(float: (Double) throws -> R, integer: (Int64) throws -> R, unsigned: (UInt64) throws -> R) throws -> [R] {
        let data = try checkedData()
        let n = data.count / dtype.itemSize
        let swap = !dtype.isHostOrder
        var out: [R] = []
        out.reserveCapacity(n)
        try data.withUnsafeBytes { raw in
            func load<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
                let v = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
                return swap ? v.byteSwapped : v
            }
            for i in 0..<n {
                switch dtype.elementType {
                case .float16: out.append(try float(Double(Float16(bitPattern: load(i, UInt16.self)))))
                case .float32: out.append(try float(Double(Float(bitPattern: load(i, UInt32.self)))))
                case .float64: out.append(try float(Double(bitPattern: load(i, UInt64.self))))
                case .int8: out.append(try integer(Int64(load(i, Int8.self))))
                case .int16: out.append(try integer(Int64(load(i, Int16.self))))
                case .int32: out.append(try integer(Int64(load(i, Int32.self))))
                case .int64: out.append(try integer(load(i, Int64.self)))
                case .uint8: out.append(try unsigned(UInt64(load(i, UInt8.self))))
                case .uint16: out.append(try unsigned(UInt64(load(i, UInt16.self))))
                case .uint32: out.append(try unsigned(UInt64(load(i, UInt32.self))))
                case .uint64: out.append(try unsigned(load(i, UInt64.self)))
                case .bool: out.append(try integer(load(i, UInt8.self) != 0 ? 1 : 0))
                }
            }
        }
        return out
    }

    /// Storage-order values reordered to C order: a no-op unless the array is Fortran-ordered with
    /// rank >= 2.
    func cOrder<T>(_ storage: [T]) throws -> [T] {
        guard fortranOrder, shape.count > 1, !storage.isEmpty else { return storage }
        var out: [T] = []
        out.reserveCapacity(storage.count)
        storage.withUnsafeBufferPointer { src in
            forEachStorageIndexInCOrder(elements: src.count) { out.append(src[$0]) }
        }
        return out
    }

    /// The element bytes in C (row-major) order, each element's bytes as stored (byte order unchanged): `data`
    /// itself unless the array is Fortran-ordered with rank >= 2, then a reordered copy.
    public var cOrderData: Data {
        let size = dtype.itemSize
        guard fortranOrder, shape.count > 1, count > 0, size > 0, data.count == count * size else { return data }
        var out = Data(count: count * size)
        data.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                var element = 0
                forEachStorageIndexInCOrder(elements: count) { index in
                    memcpy(dst.baseAddress! + element * size, src.baseAddress! + index * size, size)
                    element += 1
                }
            }
        }
        return out
    }

    /// Calls `body` with the storage index of the first `elements` elements of a Fortran-ordered array in C order:
    /// element (i0, ..., ik) is stored at i0 + s0*(i1 + s1*(...)), so the walk is an odometer over the shape that
    /// adds each axis' Fortran stride as it steps.
    @inline(__always)
    private func forEachStorageIndexInCOrder(elements: Int, _ body: (Int) -> Void) {
        let rank = shape.count
        var strides = [Int](repeating: 1, count: rank)
        for k in 1..<rank { strides[k] = strides[k - 1] * shape[k - 1] }
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for _ in 0..<elements {
            body(offset)
            var k = rank - 1
            while k >= 0 {
                index[k] += 1
                offset += strides[k]
                if index[k] < shape[k] { break }
                offset -= index[k] * strides[k]
                index[k] = 0
                k -= 1
            }
        }
    }
}
