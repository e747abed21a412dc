import CHDF5
import SafeIO

/// A dataset (an n-dimensional array) in an open HDF5 file.
///
/// Opening checks what the file declares before anything is read: external raw storage and virtual
/// layouts are refused, filters must be built into libhdf5 (plugins are never loaded), the declared size
/// (elements x element size, checked arithmetic) must be within `ResourceLimits.maxArrayBytes`,
/// contiguous storage must hold all the declared bytes inside the real file, and chunked storage must
/// hold them too (uncompressed) or expand to them by at most `maxInflateRatio` (compressed): a dataset
/// of unwritten chunks, which h5py reads as its fill value, is refused as never written (a Keras file writes every
/// weight; a reader that accepted it would turn a small file into gigabytes of a constant).
public final class HDF5Dataset {
    let handle: Handle
    let fileHandle: Handle
    let location: HDF5Location
    /// Dimensions in C order; `[]` for a scalar dataset.
    public let shape: [Int]
    /// The stored element type.
    public let elementType: HDF5ElementType
    /// Number of elements (1 for a scalar dataset).
    public let count: Int
    /// The dataset's path in the file.
    public var path: String { location.object }

    init(handle: Handle, fileHandle: Handle, location: HDF5Location, fileSize: UInt64?) throws {
        self.handle = handle
        self.fileHandle = fileHandle
        self.location = location
        let id = handle.id
        let type = try HDF5Datatype(H5Dget_type(id), location)
        elementType = type.elementType
        let space = try Handle(H5Dget_space(id), .dataspace, location, "H5Dget_space")
        shape = try dataspaceShape(space.id, location)
        count = try elementCount(shape, location)

        let dcpl = try Handle(H5Dget_create_plist(id), .propertyList, location, "H5Dget_create_plist")
        let layout = H5Pget_layout(dcpl.id)
        if layout == H5D_VIRTUAL {
            throw HDF5Error.refused(
                file: location.file, object: location.object,
                reason: "dataset has a virtual layout (data mapped from other files), which WeightBridge refuses")
        }
        if H5Pget_external_count(dcpl.id) > 0 {
            throw HDF5Error.refused(
                file: location.file, object: location.object,
                reason: "dataset stores its raw data in an external file, which WeightBridge refuses")
        }
        let filters = H5Pget_nfilters(dcpl.id)
        for index in 0..<max(0, filters) {
            var flags: UInt32 = 0
            var nElements = 0
            var name = [CChar](repeating: 0, count: 128)
            let filter = H5Pget_filter2(dcpl.id, UInt32(index), &flags, &nElements, nil, name.count, &name, nil)
            if filter < 0 || H5Zfilter_avail(filter) <= 0 {
                _ = H5Eclear2(wb_H5E_DEFAULT())
                throw HDF5Error.refused(
                    file: location.file, object: location.object,
                    reason:
                        "dataset uses filter \(filter) ('\(String(cString: name))'), which is not built into libhdf5 (plugins are never loaded)"
                )
            }
        }

        guard elementType.isNumeric || elementType.byteSize > 0 else { return }
        let (declared, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(elementType.byteSize))
        if overflow || declared > location.limits.maxArrayBytes {
            throw HDF5Error.limitExceeded(
                file: location.file, object: location.object, what: "declared size",
                bytes: overflow ? UInt64.max : declared, limit: location.limits.maxArrayBytes)
        }
        if layout == H5D_CHUNKED && declared > 0 && fileSize != nil {
            // Unwritten chunks read as the fill value, so a 10 KB file can declare (and make a reader allocate)
            // gigabytes. Keras writes every chunk it creates: the stored chunks must cover the declared bytes, or
            // for compressed chunks, expand by no more than maxInflateRatio.
            let stored = H5Dget_storage_size(id)
            if filters == 0 && stored < declared {
                throw HDF5Error.storageTooSmall(file: location.file, object: location.object, declared: declared, stored: stored)
            }
            if stored == 0 {
                // Nothing was ever written: h5py would read the fill value. Refused (a Keras file writes every weight).
                throw HDF5Error.storageTooSmall(file: location.file, object: location.object, declared: declared, stored: 0)
            }
            if filters > 0 && declared / stored > location.limits.maxInflateRatio {
                throw HDF5Error.limitExceeded(
                    file: location.file, object: location.object,
                    what: "declared size (\(stored) compressed bytes stored, at most \(location.limits.maxInflateRatio):1)",
                    bytes: declared, limit: stored.multipliedReportingOverflow(by: location.limits.maxInflateRatio).partialValue)
            }
        }
        if layout == H5D_CONTIGUOUS && filters == 0 && declared > 0, let fileSize {
            let stored = H5Dget_storage_size(id)
            if stored < declared {
                throw HDF5Error.storageTooSmall(file: location.file, object: location.object, declared: declared, stored: stored)
            }
            let offset = UInt64(H5Dget_offset(id))
            if offset != UInt64(wb_HADDR_UNDEF()) {
                let (end, endOverflow) = offset.addingReportingOverflow(declared)
                if endOverflow || end > fileSize {
                    throw HDF5Error.storageTooSmall(
                        file: location.file, object: location.object, declared: declared,
                        stored: fileSize > offset ? fileSize - offset : 0)
                }
            }
        }
    }

    /// Reads every element converted to `Float` (libhdf5 converts float16/float64/integers exactly where
    /// float32 can hold them; bfloat16 is widened here, always exactly), C order.
    /// Throws for non-numeric types and when the converted array is over `maxArrayBytes`.
    public func readFloats() throws -> [Float] {
        if elementType == .bfloat16 { return try readBFloat16() }
        return try read(memoryType: wb_H5T_NATIVE_FLOAT(), zero: Float(0))
    }

    /// bfloat16 bits read raw (the file's own opaque type, no conversion) and widened: a bfloat16 is the upper
    /// half of a float32.
    private func readBFloat16() throws -> [Float] {
        let type = try HDF5Library.locked { try Handle(H5Dget_type(handle.id), .datatype, location, "H5Dget_type") }
        let bits: [UInt16] = try read(memoryType: type.id, zero: UInt16(0))
        return bits.map { Float(bitPattern: UInt32(UInt16(littleEndian: $0)) << 16) }
    }

    /// Reads every element converted to `Double`, C order. Throws for non-numeric types.
    public func readDoubles() throws -> [Double] {
        if elementType == .bfloat16 { return try readBFloat16().map(Double.init) }
        return try read(memoryType: wb_H5T_NATIVE_DOUBLE(), zero: Double(0))
    }

    private func read<T>(memoryType: @autoclosure () -> hid_t, zero: T) throws -> [T] {
        guard elementType.isNumeric else {
            throw HDF5Error.unsupportedType(
                file: location.file, object: location.object, found: elementType.description,
                expected: "a numeric type (float16/32/64 or integer)")
        }
        let (bytes, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(MemoryLayout<T>.stride))
        if overflow || bytes > location.limits.maxArrayBytes {
            throw HDF5Error.limitExceeded(
                file: location.file, object: location.object, what: "array in memory",
                bytes: overflow ? UInt64.max : bytes, limit: location.limits.maxArrayBytes)
        }
        if count == 0 { return [] }
        return try HDF5Library.locked {
            var values = [T](repeating: zero, count: count)
            let status = values.withUnsafeMutableBytes { buffer in
                H5Dread(handle.id, memoryType(), wb_H5S_ALL(), wb_H5S_ALL(), wb_H5P_DEFAULT(), buffer.baseAddress)
            }
            try location.check(status, "reading the dataset")
            return values
        }
    }
}

/// The dimensions of a dataspace (`[]` for scalar, and for null dataspaces).
func dataspaceShape(_ space: hid_t, _ location: HDF5Location) throws -> [Int] {
    if H5Sget_simple_extent_type(space) == H5S_NULL { return [0] }
    let rank = try location.check(H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims")
    if rank == 0 { return [] }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    try location.check(H5Sget_simple_extent_dims(space, &dims, nil), "H5Sget_simple_extent_dims")
    return try dims.map { d in
        guard d <= UInt64(Int.max) else {
            throw HDF5Error.limitExceeded(
                file: location.file, object: location.object, what: "a dimension", bytes: d,
                limit: UInt64(Int.max))
        }
        return Int(d)
    }
}

/// The product of `shape` with overflow checking.
func elementCount(_ shape: [Int], _ location: HDF5Location) throws -> Int {
    var n = 1
    for d in shape {
        let (p, overflow) = n.multipliedReportingOverflow(by: d)
        if overflow {
            throw HDF5Error.limitExceeded(
                file: location.file, object: location.object, what: "element count",
                bytes: UInt64.max, limit: location.limits.maxArrayBytes)
        }
        n = p
    }
    return n
}
