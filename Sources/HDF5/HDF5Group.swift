import CHDF5
import Foundation
import SafeIO

/// A group in an HDF5 file (the root group included): navigation, attributes, and writing.
///
/// Paths are relative to the group, components separated by `/`. Every component must be a hard link:
/// soft links and external links are refused (`HDF5Error.refused`), so a file cannot redirect reads
/// elsewhere in itself or into another file.
public final class HDF5Group {
    let handle: Handle
    let fileHandle: Handle
    let location: HDF5Location
    let fileSize: UInt64?
    /// The group's path in the file (`/` for the root).
    public var path: String { location.object }
    /// The path of the file the group belongs to (for error messages).
    public var filePath: String { location.file }

    init(handle: Handle, fileHandle: Handle, location: HDF5Location, fileSize: UInt64?) {
        self.handle = handle
        self.fileHandle = fileHandle
        self.location = location
        self.fileSize = fileSize
    }

    // MARK: Navigation

    /// The links of this group in name order, with what each points to. Soft and external links are
    /// listed with their link kind and not followed. Throws past `ResourceLimits.maxMembers` children.
    public func children() throws -> [(name: String, kind: HDF5ObjectKind)] {
        try HDF5Library.locked {
            final class Collector {
                var links: [(String, H5L_type_t)] = []
                var limit = 0
                var overflowed = false
            }
            let collector = Collector()
            collector.limit = location.limits.maxMembers
            let box = Unmanaged.passRetained(collector)
            defer { box.release() }
            var index: hsize_t = 0
            let status = H5Literate(
                handle.id, H5_INDEX_NAME, H5_ITER_INC, &index,
                { _, name, info, data in
                    guard let name, let info, let data else { return -1 }
                    let c = Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue()
                    if c.links.count >= c.limit {
                        c.overflowed = true
                        return 1
                    }
                    c.links.append((String(cString: name), info.pointee.type))
                    return 0
                }, box.toOpaque())
            try location.check(status, "listing the group")
            if collector.overflowed {
                throw HDF5Error.limitExceeded(
                    file: location.file, object: location.object, what: "number of children",
                    bytes: UInt64(collector.limit) + 1, limit: UInt64(collector.limit))
            }
            return try collector.links.map { name, type in
                switch type {
                case H5L_TYPE_SOFT: return (name, .softLink)
                case H5L_TYPE_EXTERNAL: return (name, .externalLink)
                case H5L_TYPE_HARD:
                    let object = try Handle(H5Oopen(handle.id, name, wb_H5P_DEFAULT()), .object, location.child(name), "opening")
                    switch H5Iget_type(object.id) {
                    case H5I_GROUP: return (name, .group)
                    case H5I_DATASET: return (name, .dataset)
                    case H5I_DATATYPE: return (name, .datatype)
                    default: return (name, .other)
                    }
                default: return (name, .other)
                }
            }
        }
    }

    /// Whether `name` (a single link name or a path of hard links) exists in this group.
    public func contains(_ path: String) throws -> Bool {
        try HDF5Library.locked {
            do {
                _ = try openObject(path)
                return true
            } catch HDF5Error.notFound {
                return false
            }
        }
    }

    /// Opens the group at `path`. Throws `notFound`, `wrongKind`, or `refused` for soft/external links.
    public func group(_ path: String) throws -> HDF5Group {
        try HDF5Library.locked {
            let (object, loc) = try openObject(path)
            guard H5Iget_type(object.id) == H5I_GROUP else {
                throw HDF5Error.wrongKind(file: loc.file, object: loc.object, expected: "group", found: kindName(object.id))
            }
            return HDF5Group(handle: object, fileHandle: fileHandle, location: loc, fileSize: fileSize)
        }
    }

    /// Opens the dataset at `path`, checking its layout, filters and declared size (see `HDF5Dataset`).
    public func dataset(_ path: String) throws -> HDF5Dataset {
        try HDF5Library.locked {
            let (object, loc) = try openObject(path)
            guard H5Iget_type(object.id) == H5I_DATASET else {
                throw HDF5Error.wrongKind(file: loc.file, object: loc.object, expected: "dataset", found: kindName(object.id))
            }
            return try HDF5Dataset(handle: object, fileHandle: fileHandle, location: loc, fileSize: fileSize)
        }
    }

    private func kindName(_ id: hid_t) -> String {
        switch H5Iget_type(id) {
        case H5I_GROUP: return "group"
        case H5I_DATASET: return "dataset"
        case H5I_DATATYPE: return "named datatype"
        default: return "other object"
        }
    }

    /// Follows `path` one hard link at a time and opens the object at its end.
    private func openObject(_ path: String) throws -> (Handle, HDF5Location) {
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !components.isEmpty else {
            throw HDF5Error.invalidArgument(file: location.file, object: location.object, reason: "empty path")
        }
        var current: Handle = handle
        var loc = location
        for name in components {
            let next = loc.child(name)
            if name == "." || name == ".." {
                throw HDF5Error.invalidArgument(file: loc.file, object: next.object, reason: "path components '.' and '..' are not allowed")
            }
            let exists = H5Lexists(current.id, name, wb_H5P_DEFAULT())
            if exists <= 0 {
                _ = H5Eclear2(wb_H5E_DEFAULT())
                throw HDF5Error.notFound(file: loc.file, object: next.object, expected: "object")
            }
            var info = H5L_info_t()
            try next.check(H5Lget_info(current.id, name, &info, wb_H5P_DEFAULT()), "H5Lget_info")
            switch info.type {
            case H5L_TYPE_HARD: break
            case H5L_TYPE_SOFT:
                throw HDF5Error.refused(file: loc.file, object: next.object, reason: "is a soft link, which WeightBridge does not follow")
            case H5L_TYPE_EXTERNAL:
                throw HDF5Error.refused(
                    file: loc.file, object: next.object,
                    reason: "is an external link into another file, which WeightBridge refuses")
            default:
                throw HDF5Error.refused(file: loc.file, object: next.object, reason: "is a user-defined link, which WeightBridge refuses")
            }
            current = try Handle(H5Oopen(current.id, name, wb_H5P_DEFAULT()), .object, next, "opening")
            loc = next
        }
        return (current, loc)
    }

    // MARK: Attributes

    /// The names of this group's attributes, in name order.
    public func attributeNames() throws -> [String] {
        try HDF5Library.locked { try HDF5.attributeNames(of: handle.id, location) }
    }

    /// Opens attribute `name`, or returns nil when there is none.
    public func attribute(_ name: String) throws -> HDF5Attribute? {
        try HDF5Library.locked {
            let exists = H5Aexists(handle.id, name)
            if exists == 0 { return nil }
            try location.check(exists, "looking up attribute '\(name)'")
            return try HDF5Attribute(parent: handle.id, name: name, location: location)
        }
    }

    /// A string attribute (scalar, or a one-element array), or nil when absent.
    /// Throws if it is not a string or has more than one element, and `HDF5Error.limitExceeded` when it is over
    /// `maxBytes` (checked before reading where the stored form allows, see `HDF5Attribute.readStrings`).
    public func stringAttribute(_ name: String, maxBytes: UInt64? = nil) throws -> String? {
        guard let attribute = try attribute(name) else { return nil }
        let strings = try attribute.readStrings(maxBytes: maxBytes)
        guard strings.count == 1 else {
            throw HDF5Error.wrongKind(
                file: location.file, object: "\(location.object)@\(name)", expected: "single string",
                found: "array of \(strings.count) strings")
        }
        return strings[0]
    }

    /// A string array attribute (fixed- or variable-length; a scalar string gives one element), or nil when
    /// absent. An empty numeric array (what h5py writes for an empty list) gives `[]`.
    public func stringArrayAttribute(_ name: String) throws -> [String]? {
        guard let attribute = try attribute(name) else { return nil }
        if attribute.count == 0 { return [] }
        return try attribute.readStrings()
    }

    /// A numeric attribute as `Double`s (a scalar gives one element), or nil when absent.
    public func doubleArrayAttribute(_ name: String) throws -> [Double]? {
        try attribute(name)?.readDoubles()
    }
}

/// The attribute names of object `id` in name order.
func attributeNames(of id: hid_t, _ location: HDF5Location) throws -> [String] {
    final class Collector { var names: [String] = [] }
    let collector = Collector()
    let box = Unmanaged.passRetained(collector)
    defer { box.release() }
    var index: hsize_t = 0
    let status = H5Aiterate2(
        id, H5_INDEX_NAME, H5_ITER_INC, &index,
        { _, name, _, data in
            guard let name, let data else { return -1 }
            Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
            return 0
        }, box.toOpaque())
    try location.check(status, "listing attributes")
    return collector.names
}
