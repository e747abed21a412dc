import CHDF5
import Foundation
import SafeIO

/// An HDF5 file, opened read-only for reading (`open`) or created for writing (`create`).
///
/// Reading is defensive: the file must carry the HDF5 signature, soft and external links are never
/// followed, external raw storage and virtual datasets are refused, filter plugins are never loaded,
/// and every dataset's declared size is checked against `ResourceLimits` and the real file size before
/// it is read. Objects opened from a file keep it open; `close()` closes it and everything in it.
public final class HDF5File {
    let handle: Handle
    /// The file's location on disk.
    public let url: URL
    /// The root group `/`.
    public let root: HDF5Group

    private init(handle: Handle, url: URL, location: HDF5Location, fileSize: UInt64?) throws {
        self.handle = handle
        self.url = url
        let rootHandle = try Handle(H5Gopen2(handle.id, "/", wb_H5P_DEFAULT()), .group, location, "opening the root group")
        root = HDF5Group(handle: rootHandle, fileHandle: handle, location: location, fileSize: fileSize)
    }

    /// Opens `url` read-only. Throws `HDF5Error.notFound` for a missing file, `.wrongKind` for a file without
    /// the HDF5 signature, and `.library` (with libhdf5's message, e.g. "truncated file") when libhdf5 refuses it.
    public static func open(_ url: URL, limits: ResourceLimits = .default) throws -> HDF5File {
        let path = url.path
        let location = HDF5Location(file: path, object: "/", limits: limits)
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error.notFound(file: path, object: "/", expected: "file")
        }
        // A FIFO would block libhdf5's open (or its reads) forever, a device would read forever: refused first.
        let size = try InputFile.check(url)
        return try HDF5Library.locked {
            let isHDF5 = H5Fis_hdf5(path)
            if isHDF5 <= 0 {
                _ = H5Eclear2(wb_H5E_DEFAULT())
                throw HDF5Error.wrongKind(
                    file: path, object: "/", expected: "HDF5 file",
                    found: "file without the HDF5 signature (\(size) bytes)")
            }
            let fapl = try Handle(H5Pcreate(wb_H5P_FILE_ACCESS()), .propertyList, location, "H5Pcreate")
            try location.check(H5Pset_fclose_degree(fapl.id, H5F_CLOSE_STRONG), "H5Pset_fclose_degree")
            let file = try Handle(H5Fopen(path, wb_H5F_ACC_RDONLY(), fapl.id), .file, location, "opening the file")
            return try HDF5File(handle: file, url: url, location: location, fileSize: size)
        }
    }

    /// Creates (or truncates) `url` for writing. Callers that want atomic replacement pass a temporary path
    /// from `SafeIO.AtomicFile.write(to:overwrite:_:)` and call `close()` before it returns.
    public static func create(_ url: URL) throws -> HDF5File {
        let path = url.path
        let location = HDF5Location(file: path, object: "/", limits: .default)
        return try HDF5Library.locked {
            let fapl = try Handle(H5Pcreate(wb_H5P_FILE_ACCESS()), .propertyList, location, "H5Pcreate")
            try location.check(H5Pset_fclose_degree(fapl.id, H5F_CLOSE_STRONG), "H5Pset_fclose_degree")
            let file = try Handle(H5Fcreate(path, wb_H5F_ACC_TRUNC(), wb_H5P_DEFAULT(), fapl.id), .file, location, "creating the file")
            return try HDF5File(handle: file, url: url, location: location, fileSize: nil)
        }
    }

    /// Flushes and closes the file and every object still open in it. Later use of its objects throws.
    public func close() throws {
        try HDF5Library.locked {
            guard H5Iis_valid(handle.id) > 0 else { return }
            try root.location.check(H5Fclose(handle.id), "closing the file")
        }
    }
}
