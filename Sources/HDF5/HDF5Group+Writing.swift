import CHDF5
import Foundation

/// Writing into a group of a file made by `HDF5File.create`: groups, float datasets and the attribute
/// encodings h5py and Keras use.
extension HDF5Group {
    /// Creates group `name` (intermediate groups of a path are created too) and returns it.
    @discardableResult
    public func createGroup(_ name: String) throws -> HDF5Group {
        try HDF5Library.locked {
            let loc = location.child(name)
            let lcpl = try intermediateGroupsPlist(loc)
            let id = H5Gcreate2(handle.id, name, lcpl.id, wb_H5P_DEFAULT(), wb_H5P_DEFAULT())
            let group = try Handle(id, .group, loc, "creating the group")
            return HDF5Group(handle: group, fileHandle: fileHandle, location: loc, fileSize: nil)
        }
    }

    /// Writes a float32 dataset of `shape` (C order; `[]` for a scalar) holding `values`,
    /// optionally chunked (`chunks` has the dataset's rank) and gzip-compressed (`gzipLevel` 0...9).
    public func createDataset(_ name: String, shape: [Int], values: [Float], chunks: [Int]? = nil, gzipLevel: Int? = nil) throws {
        try values.withUnsafeBytes {
            try createDataset(
                name, shape: shape, count: values.count, bytes: $0, fileType: wb_H5T_IEEE_F32LE(),
                memoryType: wb_H5T_NATIVE_FLOAT(), chunks: chunks, gzipLevel: gzipLevel)
        }
    }

    /// Writes a float64 dataset; see the float32 overload.
    public func createDataset(_ name: String, shape: [Int], values: [Double], chunks: [Int]? = nil, gzipLevel: Int? = nil) throws {
        try values.withUnsafeBytes {
            try createDataset(
                name, shape: shape, count: values.count, bytes: $0, fileType: wb_H5T_IEEE_F64LE(),
                memoryType: wb_H5T_NATIVE_DOUBLE(), chunks: chunks, gzipLevel: gzipLevel)
        }
    }

    private func createDataset(
        _ name: String, shape: [Int], count: Int, bytes: UnsafeRawBufferPointer, fileType: @autoclosure () -> hid_t,
        memoryType: @autoclosure () -> hid_t, chunks: [Int]?, gzipLevel: Int?
    ) throws {
        let loc = location.child(name)
        guard shape.allSatisfy({ $0 >= 0 }), (try? elementCount(shape, loc)) == count else {
            throw HDF5Error.invalidArgument(
                file: loc.file, object: loc.object,
                reason: "shape \(shape) does not hold the \(count) values given")
        }
        if let chunks, chunks.count != shape.count || chunks.contains(where: { $0 <= 0 }) || shape.isEmpty {
            throw HDF5Error.invalidArgument(
                file: loc.file, object: loc.object,
                reason: "chunk shape \(chunks) does not fit dataset shape \(shape)")
        }
        try HDF5Library.locked {
            let space: Handle
            if shape.isEmpty {
                space = try Handle(H5Screate(H5S_SCALAR), .dataspace, loc, "H5Screate")
            } else {
                let dims = shape.map { hsize_t($0) }
                space = try Handle(H5Screate_simple(Int32(dims.count), dims, nil), .dataspace, loc, "H5Screate_simple")
            }
            let dcpl = try Handle(H5Pcreate(wb_H5P_DATASET_CREATE()), .propertyList, loc, "H5Pcreate")
            if let chunks {
                try loc.check(H5Pset_chunk(dcpl.id, Int32(chunks.count), chunks.map { hsize_t($0) }), "H5Pset_chunk")
                if let gzipLevel {
                    try loc.check(H5Pset_deflate(dcpl.id, UInt32(min(max(gzipLevel, 0), 9))), "H5Pset_deflate")
                }
            }
            let lcpl = try intermediateGroupsPlist(loc)
            let dataset = try Handle(
                H5Dcreate2(handle.id, name, fileType(), space.id, lcpl.id, dcpl.id, wb_H5P_DEFAULT()),
                .dataset, loc, "creating the dataset")
            if count > 0 {
                try loc.check(
                    H5Dwrite(dataset.id, memoryType(), wb_H5S_ALL(), wb_H5S_ALL(), wb_H5P_DEFAULT(), bytes.baseAddress),
                    "writing the dataset")
            }
        }
    }

    /// Sets attribute `name` to a variable-length UTF-8 string scalar (what h5py 3 writes for a `str`).
    public func setStringAttribute(_ name: String, _ value: String) throws {
        try writeVariableStrings(name, [value], scalar: true)
    }

    /// Sets attribute `name` to a 1-D string array: variable-length UTF-8 (h5py 3 for an object array of `str`)
    /// or, with `fixedLength`, NUL-padded fixed-length bytes sized to the longest element, or `minimumLength` if larger
    /// (NumPy `|S`, as Keras 2 wrote). An empty list is written as an empty float64 array, as h5py does.
    public func setStringArrayAttribute(_ name: String, _ values: [String], fixedLength: Bool = false, minimumLength: Int = 1) throws {
        if values.isEmpty {
            try setEmptyArrayAttribute(name)
        } else if fixedLength {
            try writeFixedStrings(name, values, minimumLength: minimumLength)
        } else {
            try writeVariableStrings(name, values, scalar: false)
        }
    }

    /// Sets attribute `name` to an empty float64 array, which is what h5py writes for an empty list
    /// (Keras' `weight_names` of a layer without weights).
    public func setEmptyArrayAttribute(_ name: String) throws {
        try HDF5Library.locked {
            let space = try Handle(H5Screate_simple(1, [0], nil), .dataspace, location, "H5Screate_simple")
            try writeAttribute(name, type: wb_H5T_IEEE_F64LE(), space: space.id, memoryType: wb_H5T_NATIVE_DOUBLE(), data: nil)
        }
    }

    private func writeVariableStrings(_ name: String, _ values: [String], scalar: Bool) throws {
        try HDF5Library.locked {
            let type = try Handle(H5Tcopy(wb_H5T_C_S1()), .datatype, location, "H5Tcopy")
            try location.check(H5Tset_size(type.id, wb_H5T_VARIABLE()), "H5Tset_size")
            try location.check(H5Tset_cset(type.id, H5T_CSET_UTF8), "H5Tset_cset")
            let space =
                try scalar
                ? Handle(H5Screate(H5S_SCALAR), .dataspace, location, "H5Screate")
                : Handle(H5Screate_simple(1, [hsize_t(values.count)], nil), .dataspace, location, "H5Screate_simple")
            let cStrings = values.map { strdup($0) }
            defer { for pointer in cStrings { free(pointer) } }
            var pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
            try pointers.withUnsafeMutableBytes {
                try writeAttribute(name, type: type.id, space: space.id, memoryType: type.id, data: $0.baseAddress)
            }
        }
    }

    private func writeFixedStrings(_ name: String, _ values: [String], minimumLength: Int) throws {
        let encoded = values.map { Array($0.utf8) }
        let size = max(1, minimumLength, encoded.map(\.count).max() ?? 1)
        var bytes = [UInt8](repeating: 0, count: size * encoded.count)
        for (i, e) in encoded.enumerated() { bytes.replaceSubrange((i * size)..<(i * size + e.count), with: e) }
        try HDF5Library.locked {
            let type = try Handle(H5Tcopy(wb_H5T_C_S1()), .datatype, location, "H5Tcopy")
            try location.check(H5Tset_size(type.id, size), "H5Tset_size")
            try location.check(H5Tset_strpad(type.id, H5T_STR_NULLPAD), "H5Tset_strpad")
            let space = try Handle(H5Screate_simple(1, [hsize_t(values.count)], nil), .dataspace, location, "H5Screate_simple")
            try bytes.withUnsafeMutableBytes {
                try writeAttribute(name, type: type.id, space: space.id, memoryType: type.id, data: $0.baseAddress)
            }
        }
    }

    private func writeAttribute(_ name: String, type: hid_t, space: hid_t, memoryType: hid_t, data: UnsafeRawPointer?) throws {
        if H5Aexists(handle.id, name) > 0 {
            try location.check(H5Adelete(handle.id, name), "replacing attribute '\(name)'")
        }
        let attribute = try Handle(
            H5Acreate2(handle.id, name, type, space, wb_H5P_DEFAULT(), wb_H5P_DEFAULT()), .attribute, location,
            "creating attribute '\(name)' (attributes over 64 KB must be split)")
        if let data {
            try location.check(H5Awrite(attribute.id, memoryType, data), "writing attribute '\(name)'")
        }
    }

    private func intermediateGroupsPlist(_ loc: HDF5Location) throws -> Handle {
        let lcpl = try Handle(H5Pcreate(wb_H5P_LINK_CREATE()), .propertyList, loc, "H5Pcreate")
        try loc.check(H5Pset_create_intermediate_group(lcpl.id, 1), "H5Pset_create_intermediate_group")
        return lcpl
    }
}
