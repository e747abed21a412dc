import CHDF5
import Foundation
import SafeIO

/// An attribute of a group or dataset, opened for reading.
///
/// Strings are read in both encodings h5py has used: variable-length (h5py 3) and fixed-length
/// (older h5py / Keras 2.2, NUL- or space-padded; the padding is stripped). Numbers are converted by libhdf5.
public final class HDF5Attribute {
    let handle: Handle
    let location: HDF5Location
    let type: HDF5Datatype
    /// The attribute's name.
    public let name: String
    /// Dimensions (`[]` for a scalar attribute, `[0]` for an empty one).
    public let shape: [Int]
    /// The stored element type.
    public var elementType: HDF5ElementType { type.elementType }
    /// Number of elements.
    public let count: Int

    init(parent: hid_t, name: String, location: HDF5Location) throws {
        self.name = name
        self.location = location
        handle = try Handle(H5Aopen(parent, name, wb_H5P_DEFAULT()), .attribute, location, "opening attribute '\(name)'")
        type = try HDF5Datatype(H5Aget_type(handle.id), location)
        let space = try Handle(H5Aget_space(handle.id), .dataspace, location, "H5Aget_space")
        shape = try dataspaceShape(space.id, location)
        count = try elementCount(shape, location)
        let size = max(1, type.elementType.byteSize)
        let (bytes, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(max(size, 8)))
        if overflow || bytes > location.limits.maxArrayBytes {
            throw HDF5Error.limitExceeded(
                file: location.file, object: location.object, what: "attribute '\(name)'",
                bytes: overflow ? UInt64.max : bytes, limit: location.limits.maxArrayBytes)
        }
    }

    /// Reads a string attribute of any shape as an array (one element for a scalar).
    /// Throws if the attribute does not hold strings or is not valid UTF-8, and `HDF5Error.limitExceeded` when the
    /// strings together are over `maxBytes`: fixed-length strings are checked by their declared size before anything
    /// is read; variable-length strings, whose lengths libhdf5 1.10 gives only by reading them (there is no
    /// `H5Dvlen_get_buf_size` for attributes), are checked by length before they are copied out of libhdf5's
    /// buffer, so the peak is libhdf5's own copy (at most the file's size) rather than several Swift copies.
    public func readStrings(maxBytes: UInt64? = nil) throws -> [String] {
        try HDF5Library.locked {
            switch type.elementType {
            case .variableString:
                return try readVariableStrings(maxBytes: maxBytes)
            case .fixedString(let size):
                if let maxBytes {
                    let (total, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(size))
                    if overflow || total > maxBytes { throw tooLarge(overflow ? .max : total, maxBytes) }
                }
                return try readFixedStrings(size: size)
            default:
                throw HDF5Error.unsupportedType(
                    file: location.file, object: "\(location.object)@\(name)",
                    found: type.elementType.description, expected: "strings")
            }
        }
    }

    /// Reads a numeric attribute of any shape as `Double`s. Throws for strings and other non-numeric types.
    public func readDoubles() throws -> [Double] {
        guard type.elementType.isNumeric else {
            throw HDF5Error.unsupportedType(
                file: location.file, object: "\(location.object)@\(name)",
                found: type.elementType.description, expected: "a number")
        }
        if count == 0 { return [] }
        return try HDF5Library.locked {
            var values = [Double](repeating: 0, count: count)
            let status = values.withUnsafeMutableBytes { H5Aread(handle.id, wb_H5T_NATIVE_DOUBLE(), $0.baseAddress) }
            try location.check(status, "reading attribute '\(name)'")
            return values
        }
    }

    private func tooLarge(_ bytes: UInt64, _ limit: UInt64) -> HDF5Error {
        HDF5Error.limitExceeded(
            file: location.file, object: "\(location.object)@\(name)", what: "string attribute", bytes: bytes, limit: limit)
    }

    private func readVariableStrings(maxBytes: UInt64?) throws -> [String] {
        if count == 0 { return [] }
        let memType = try Handle(H5Tcopy(wb_H5T_C_S1()), .datatype, location, "H5Tcopy")
        try location.check(H5Tset_size(memType.id, wb_H5T_VARIABLE()), "H5Tset_size")
        try location.check(H5Tset_cset(memType.id, type.isUTF8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII), "H5Tset_cset")
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        try location.check(H5Aread(handle.id, memType.id, &pointers), "reading attribute '\(name)'")
        defer {
            let space = H5Aget_space(handle.id)
            if space >= 0 {
                _ = H5Dvlen_reclaim(memType.id, space, wb_H5P_DEFAULT(), &pointers)
                _ = H5Sclose(space)
            }
        }
        if let maxBytes {
            // Lengths first: an over-long string is refused before it is copied out of libhdf5's buffer.
            var total: UInt64 = 0
            for p in pointers {
                if let p { total += UInt64(strlen(p)) }
                if total > maxBytes { throw tooLarge(total, maxBytes) }
            }
        }
        return try pointers.map { p in
            guard let p else { return "" }
            return try decode(
                Array(
                    UnsafeBufferPointer(
                        start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self),
                        count: strlen(p))))
        }
    }

    private func readFixedStrings(size: Int) throws -> [String] {
        if count == 0 || size == 0 { return [String](repeating: "", count: count) }
        let (total, overflow) = count.multipliedReportingOverflow(by: size)
        if overflow || UInt64(total) > location.limits.maxArrayBytes {
            throw HDF5Error.limitExceeded(
                file: location.file, object: "\(location.object)@\(name)", what: "string attribute",
                bytes: UInt64(overflow ? Int.max : total), limit: location.limits.maxArrayBytes)
        }
        var bytes = [UInt8](repeating: 0, count: total)
        try location.check(
            bytes.withUnsafeMutableBytes { H5Aread(handle.id, type.handle.id, $0.baseAddress) },
            "reading attribute '\(name)'")
        let spacePadded = H5Tget_strpad(type.handle.id) == H5T_STR_SPACEPAD
        return try (0..<count).map { i in
            var element = bytes[(i * size)..<((i + 1) * size)]
            if let nul = element.firstIndex(of: 0) { element = element[..<nul] }
            if spacePadded {
                while let last = element.last, last == 0x20 { element = element.dropLast() }
            }
            return try decode(Array(element))
        }
    }

    private func decode(_ bytes: [UInt8]) throws -> String {
        guard let s = String(validatingUTF8: bytes.map { CChar(bitPattern: $0) } + [0]) else {
            throw HDF5Error.unsupportedType(
                file: location.file, object: "\(location.object)@\(name)",
                found: "bytes that are not UTF-8", expected: "UTF-8 text")
        }
        return s
    }
}
