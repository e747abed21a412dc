import Foundation
import SafeIO

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
        if let (name, array) = arrays.first(where: { $0.array.shape.count > NPYFormat.maxDimensions }) {
            throw NPYError.tooManyDimensions(
                source: "\(url.path): member '\(name.printable())'", count: array.shape.count, limit: NPYFormat.maxDimensions)
        }
        let encoded = try arrays.map { (name: $0.name, bytes: try NPYFile.encode($0.array)) }
        try AtomicFile.write(to: url, overwrite: overwrite) { tmp in
            do {
                let writer = try ZIPWriter(url: tmp, target: url.path)
                defer { writer.close() }
                for (name, bytes) in encoded { try writer.add(name: name + ".npy", bytes: bytes, deflate: compressed) }
                try writer.finish()
            } catch SafeIOError.writeFailed(let path, let reason) {
                throw SafeIOError.writeFailed(path: path, reason: "cannot write the archive: \(reason)")
            }
            // Read the directory back before the rename replaces the previous file: every member must be listed.
            let written = try? NPZArchive(url: tmp, limits: ResourceLimits(maxTotalBytes: .max, maxMembers: .max))
            guard let written, written.names.count == encoded.count else {
                throw SafeIOError.writeFailed(path: url.path, reason: "the archive is incomplete after writing (disk full?)")
            }
        }
    }
}
