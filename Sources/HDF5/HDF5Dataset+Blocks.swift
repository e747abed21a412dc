import CHDF5
import SafeIO

extension HDF5Dataset {
    /// Throws what `readFloats` would throw before reading anything: a non-numeric type, or a float32 copy over
    /// `maxArrayBytes`. A reader that lists a file's weights before reading them calls it while listing, so a file
    /// is refused by the same checks, with the same errors, whether it is read whole or weight by weight.
    public func checkFloatsReadable() throws {
        guard elementType.isNumeric else {
            throw HDF5Error.unsupportedType(
                file: location.file, object: location.object, found: elementType.description,
                expected: "a numeric type (float16/32/64 or integer)")
        }
        let (bytes, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(MemoryLayout<Float>.stride))
        if overflow || bytes > location.limits.maxArrayBytes {
            throw HDF5Error.limitExceeded(
                file: location.file, object: location.object, what: "array in memory",
                bytes: overflow ? UInt64.max : bytes, limit: location.limits.maxArrayBytes)
        }
    }

    /// Reads every element converted to `Float`, exactly as `readFloats` does (C order, the same conversions and
    /// checks), but in blocks of whole rows of the first axis, handing each block to `body` and reusing one buffer:
    /// the dataset is never held whole, so a 1.6 GB kernel goes through about `maxBlockBytes` of memory.
    ///
    /// For a chunked (e.g. gzip-compressed) dataset a block is a whole number of chunk rows, so every chunk is
    /// decompressed once; a block is therefore at least one chunk row (the whole dataset when one chunk holds it)
    /// and at least one row. Scalars and datasets of one row come in one block; empty datasets in none.
    public func forEachFloatBlock(maxBlockBytes: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        try checkFloatsReadable()
        guard count > 0 else { return }
        guard shape.count >= 1, shape[0] > 1 else {
            let all = try readFloats()
            return try all.withUnsafeBufferPointer(body)
        }
        let rowElements = count / shape[0]
        var rowsPerBlock = max(1, maxBlockBytes / max(1, rowElements * MemoryLayout<Float>.stride))
        let chunkRows = try chunkRowsOfFirstAxis()
        if chunkRows > 1 { rowsPerBlock = max(chunkRows, rowsPerBlock / chunkRows * chunkRows) }
        rowsPerBlock = min(rowsPerBlock, shape[0])
        var buffer = [Float](repeating: 0, count: rowsPerBlock * rowElements)
        var raw = elementType == .bfloat16 ? [UInt16](repeating: 0, count: rowsPerBlock * rowElements) : []
        var row = 0
        while row < shape[0] {
            let rows = min(rowsPerBlock, shape[0] - row)
            let n = rows * rowElements
            if elementType == .bfloat16 {
                try raw.withUnsafeMutableBytes { try readRows(row, rows, into: $0, memoryType: nil) }
                for i in 0..<n { buffer[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw[i])) << 16) }
            } else {
                try buffer.withUnsafeMutableBytes { try readRows(row, rows, into: $0, memoryType: wb_H5T_NATIVE_FLOAT()) }
            }
            try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<n])) }
            row += rows
        }
    }

    /// The chunk's extent along the first axis for a chunked layout, else 1.
    private func chunkRowsOfFirstAxis() throws -> Int {
        try HDF5Library.locked {
            let dcpl = try Handle(H5Dget_create_plist(handle.id), .propertyList, location, "H5Dget_create_plist")
            guard H5Pget_layout(dcpl.id) == H5D_CHUNKED else { return 1 }
            var dims = [hsize_t](repeating: 0, count: shape.count)
            let rank = try location.check(H5Pget_chunk(dcpl.id, Int32(shape.count), &dims), "H5Pget_chunk")
            guard rank >= 1, dims[0] >= 1, dims[0] <= UInt64(shape[0]) else { return 1 }
            return Int(dims[0])
        }
    }

    /// Reads rows `first..<first+rows` (all of the other axes) into `buffer`, converted to `memoryType` (nil: the
    /// file's own type, for bfloat16's raw bits).
    private func readRows(_ first: Int, _ rows: Int, into buffer: UnsafeMutableRawBufferPointer, memoryType: hid_t?) throws {
        try HDF5Library.locked {
            let fileSpace = try Handle(H5Dget_space(handle.id), .dataspace, location, "H5Dget_space")
            var start = [hsize_t](repeating: 0, count: shape.count)
            var extent = shape.map { hsize_t($0) }
            start[0] = hsize_t(first)
            extent[0] = hsize_t(rows)
            try location.check(H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, start, nil, extent, nil), "H5Sselect_hyperslab")
            var memoryExtent = [hsize_t(rows * (count / shape[0]))]
            let memorySpace = try Handle(H5Screate_simple(1, &memoryExtent, nil), .dataspace, location, "H5Screate_simple")
            let fileType = memoryType == nil ? try Handle(H5Dget_type(handle.id), .datatype, location, "H5Dget_type") : nil
            let status = H5Dread(
                handle.id, memoryType ?? fileType!.id, memorySpace.id, fileSpace.id, wb_H5P_DEFAULT(), buffer.baseAddress)
            try location.check(status, "reading the dataset")
        }
    }
}
