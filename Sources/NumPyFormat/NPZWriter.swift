import Foundation
import SafeIO
import ZIPFoundation

/// Writes numpy `.npz` archives that `np.load` reads back bit-identically: one `<name>.npy` member
/// per array, in the given order, stored (like `np.savez`) or deflated (like `np.savez_compressed`).
public enum NPZWriter {
    /// Writes `arrays` to `url` atomically (temporary file in the same directory, then rename).
    ///
    /// Names must be non-empty, unique, relative and free of `..` components (`NPZError.invalidMemberName`);
    /// `/` inside a name makes a nested member path, as numpy allows. Throws `SafeIOError.exists`
    /// when the file exists and `overwrite` is false, `SafeIOError.writeFailed` when the archive cannot
    /// be written completely (disk full, I/O error); the previous file is then untouched.
    public static func write(_ arrays: [(name: String, array: NPYArray)], to url: URL, compressed: Bool = false, overwrite: Bool = true)
        throws
    {
        var seen = Set<String>()
        for (name, _) in arrays {
            if name.isEmpty { throw NPZError.invalidMemberName(name: name, reason: "empty name") }
            if !seen.insert(name).inserted { throw NPZError.invalidMemberName(name: name, reason: "given twice") }
            if NPZArchive.isUnsafe(name) { throw NPZError.invalidMemberName(name: name, reason: "absolute path or '..' component") }
            if name.hasSuffix("/") { throw NPZError.invalidMemberName(name: name, reason: "ends with '/'") }
        }
        let encoded = try arrays.map { (name: $0.name, bytes: try NPYFile.encode($0.array)) }
        try AtomicFile.write(to: url, overwrite: overwrite) { tmp in
            do {
                try writeArchive(encoded, to: tmp, compressed: compressed)
            } catch let error as Data.DataError {
                // ZIPFoundation's fwrite failed; errno still says why (ENOSPC, EIO, ...).
                let why = errno != 0 ? String(cString: strerror(errno)) : "\(error)"
                throw SafeIOError.writeFailed(path: url.path, reason: "cannot write the archive: \(why)")
            } catch {
                throw SafeIOError.writeFailed(path: url.path, reason: AtomicFile.describe(error))
            }
            // ZIPFoundation ignores the result of its final fflush/fclose, so a disk that fills up while
            // the end records are still buffered leaves a truncated archive without an error. Read the
            // directory back before the rename replaces the previous file.
            let written = try? NPZArchive(url: tmp, limits: ResourceLimits(maxTotalBytes: .max, maxMembers: .max))
            guard let written, written.names.count == encoded.count else {
                throw SafeIOError.writeFailed(path: url.path, reason: "the archive is incomplete after writing (disk full?)")
            }
        }
    }

    /// Writes the archive and lets it go out of scope, which closes the file before the rename.
    private static func writeArchive(_ members: [(name: String, bytes: Data)], to url: URL, compressed: Bool) throws {
        let archive = try Archive(url: url, accessMode: .create)
        for (name, bytes) in members {
            try archive.addEntry(
                with: name + ".npy", type: .file, uncompressedSize: Int64(bytes.count),
                compressionMethod: compressed ? .deflate : .none
            ) { position, size in
                let start = bytes.startIndex + Int(position)
                return bytes.subdata(in: start..<start + size)
            }
        }
    }
}
