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
        // Each member is its `.npy` header then the array's own data (not copied for stored members).
        let members = try arrays.map { (name, array) -> (name: String, parts: [Data]) in
            let (_, bytes) = try NPYHeader.sizes(shape: array.shape, itemSize: array.dtype.itemSize, source: "array")
            guard array.data.count == bytes else { throw NPYError.byteCountMismatch(expected: bytes, found: array.data.count) }
            return (
                name + ".npy", [NPYHeader.encode(dtype: array.dtype, shape: array.shape, fortranOrder: array.fortranOrder), array.data]
            )
        }
        let target = url.path
        try AtomicFile.write(to: url, overwrite: overwrite) { tmp in
            do {
                let writer = try ZIPWriter(url: tmp, target: target)
                defer { writer.close() }
                // Deflated members are compressed two at a time (one per core), then written in order:
                // the archive is byte-identical to a sequential run.
                let window = compressed ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 2)) : 1
                var start = 0
                while start < members.count {
                    let batch = Array(members[start..<min(start + window, members.count)])
                    for (member, prepared) in zip(batch, try prepare(batch.map(\.parts), deflate: compressed, target: target)) {
                        try writer.add(name: member.name, prepared: prepared)
                    }
                    start += batch.count
                }
                try writer.finish()
            } catch SafeIOError.writeFailed(let path, let reason) {
                throw SafeIOError.writeFailed(path: path, reason: "cannot write the archive: \(reason)")
            }
            // Read the directory back before the rename replaces the previous file: every member must be listed.
            let written = try? NPZArchive(url: tmp, limits: ResourceLimits(maxTotalBytes: .max, maxMembers: .max))
            guard let written, written.names.count == members.count else {
                throw SafeIOError.writeFailed(path: url.path, reason: "the archive is incomplete after writing (disk full?)")
            }
        }
    }

    /// Prepares `batch` (one member per thread when there are several), results in the batch's order.
    private static func prepare(_ batch: [[Data]], deflate: Bool, target: String) throws -> [ZIPWriter.PreparedMember] {
        if batch.count == 1 { return [try ZIPWriter.prepare(batch[0], deflate: deflate, target: target)] }
        let results = UnsafeMutableBufferPointer<Result<ZIPWriter.PreparedMember, Error>?>.allocate(capacity: batch.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: batch.count) { i in
            results[i] = Result { try ZIPWriter.prepare(batch[i], deflate: deflate, target: target) }
        }
        return try results.map { try $0!.get() }
    }
}
