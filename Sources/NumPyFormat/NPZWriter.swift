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
    /// be written completely (disk full, I/O error); the previous file is then untouched. Deflated members are
    /// compressed two at a time (one per core); the archive is byte-identical to a sequential run.
    public static func write(_ arrays: [(name: String, array: NPYArray)], to url: URL, compressed: Bool = false, overwrite: Bool = true)
        throws
    {
        if let (name, array) = arrays.first(where: { $0.array.shape.count > NPYFormat.maxDimensions }) {
            throw NPYError.tooManyDimensions(
                file: "\(url.path): member '\(name.printable())'", count: array.shape.count, limit: NPYFormat.maxDimensions)
        }
        try write(names: arrays.map(\.name), to: url, compressed: compressed, overwrite: overwrite, window: compressed ? 2 : 1) {
            arrays[$0].array
        }
    }

    /// Writes the arrays `names` name, asking `array` for each in turn (by its index in `names`) and letting it go
    /// once written: an archive of any number of members is written holding one member at a time (plus, when
    /// `compressed`, its deflated form), so a conversion's peak memory follows its largest member, not the archive.
    /// Members are therefore compressed one after the other. The same checks and guarantees as
    /// `write(_:to:compressed:overwrite:)`; whatever `array` throws ends the write and leaves the previous file.
    public static func write(
        names: [String], to url: URL, compressed: Bool = false, overwrite: Bool = true, array: (Int) throws -> NPYArray
    ) throws {
        try write(names: names, to: url, compressed: compressed, overwrite: overwrite, window: 1, array: array)
    }

    /// The bytes of the `.npz` archive `write(_:to:compressed:overwrite:)` would write (the in-memory `np.savez`
    /// to a `BytesIO`): for a response body, a database column, or `NPZArchive(data:)`. The same name checks.
    public static func encode(_ arrays: [(name: String, array: NPYArray)], compressed: Bool = false) throws -> Data {
        let names = arrays.map(\.name)
        try validate(names)
        let target = "<memory>.npz"
        let writer = ZIPWriter(inMemory: target)
        for (i, name) in names.enumerated() {
            let prepared = try ZIPWriter.prepare(
                try parts(arrays[i].array, name: name, target: target), deflate: compressed, target: target)
            try writer.add(name: name + ".npy", prepared: prepared)
        }
        try writer.finish()
        return writer.bytes
    }

    /// Refuses empty, repeated, absolute, `..` and directory-like member names.
    private static func validate(_ names: [String]) throws {
        var seen = Set<String>()
        for name in names {
            if name.isEmpty { throw NPZError.invalidMemberName(name: name, reason: "empty name") }
            if !seen.insert(name).inserted { throw NPZError.invalidMemberName(name: name, reason: "given twice") }
            if NPZArchive.isUnsafe(name) { throw NPZError.invalidMemberName(name: name, reason: "absolute path or '..' component") }
            if name.hasSuffix("/") { throw NPZError.invalidMemberName(name: name, reason: "ends with '/'") }
        }
    }

    /// A member's bytes: its `.npy` header then the array's own data (not copied for stored members).
    private static func parts(_ a: NPYArray, name: String, target: String) throws -> [Data] {
        if a.shape.count > NPYFormat.maxDimensions {
            throw NPYError.tooManyDimensions(
                file: "\(target): member '\(name.printable())'", count: a.shape.count, limit: NPYFormat.maxDimensions)
        }
        let (_, bytes) = try NPYHeader.sizes(shape: a.shape, itemSize: a.dtype.itemSize, source: "array")
        guard a.data.count == bytes else { throw NPYError.byteCountMismatch(expected: bytes, found: a.data.count) }
        return [NPYHeader.encode(dtype: a.dtype, shape: a.shape, fortranOrder: a.fortranOrder), a.data]
    }

    private static func write(
        names: [String], to url: URL, compressed: Bool, overwrite: Bool, window: Int, array: (Int) throws -> NPYArray
    ) throws {
        let window = max(1, min(window, ProcessInfo.processInfo.activeProcessorCount))
        try writeArchive(names: names, to: url, overwrite: overwrite) { writer, target in
            func parts(_ i: Int) throws -> [Data] { try NPZWriter.parts(try array(i), name: names[i], target: target) }
            var start = 0
            while start < names.count {
                let batch = try (start..<min(start + window, names.count)).map { try parts($0) }
                for (offset, prepared) in try prepare(batch, deflate: compressed, target: target).enumerated() {
                    try writer.add(name: names[start + offset] + ".npy", prepared: prepared)
                }
                start += batch.count
            }
        }
    }

    /// Writes the arrays `names` name, stored, each copied from the reader `pieces` gives for it (by its index in
    /// `names`) 8 MiB at a time: memory stays at one piece whatever the members' sizes, where
    /// `write(names:to:compressed:overwrite:array:)` holds a whole member. Each member keeps its reader's dtype
    /// (byte order included), shape and storage order, and gets a `.npy` header as `NPYFile.write` writes it. A
    /// reader's own checks (a source member's size and CRC-32) run as its last piece is taken, before the archive is
    /// renamed into place, so a corrupt source leaves no file. The same name checks and guarantees as the other
    /// writers.
    public static func write(names: [String], to url: URL, overwrite: Bool = true, pieces: (Int) throws -> ArrayPieceReader) throws {
        try writeArchive(names: names, to: url, overwrite: overwrite) { writer, target in
            for (i, name) in names.enumerated() {
                let reader = try pieces(i)
                let h = reader.header
                let (header, byteCount) = try memberHeader(
                    name, dtype: h.dtype, shape: h.shape, fortranOrder: h.fortranOrder, target: target)
                let perPiece = max(1, Writeback.interval / max(1, h.dtype.itemSize))
                try writer.addStored(name: name + ".npy", size: UInt64(header.count) + UInt64(byteCount)) { sink in
                    try sink(header)
                    while let piece = try reader.next(maxElements: perPiece) { try sink(piece.data) }
                }
            }
        }
    }

    /// Writes members `names`, member `i` of dtype `dtype` and shape `shapes[i]` in C order, its element bytes (in
    /// the dtype's byte order) handed by `bytes(i, sink)` to `sink` piece by piece, in the order of `names`: for a
    /// source that pushes its values (a stream of weights from the isolated reader). Stored, memory stays at one piece
    /// whatever the members' sizes. Deflated (`compressed`), the pieces are gathered after the member's `.npy` header
    /// into one buffer, which libdeflate compresses whole: one member and its deflated form are held, and nothing
    /// else. Throws `SafeIOError.writeFailed` when a member's pieces add up to more or fewer bytes than its shape
    /// holds, and whatever `bytes` throws; the previous file is then untouched. The same name checks and guarantees
    /// as the other writers.
    public static func write(
        names: [String], dtype: NPYDType, shapes: [[Int]], to url: URL, compressed: Bool = false, overwrite: Bool = true,
        bytes: (Int, (Data) throws -> Void) throws -> Void
    ) throws {
        precondition(names.count == shapes.count, "\(names.count) names for \(shapes.count) shapes")
        try writeArchive(names: names, to: url, overwrite: overwrite) { writer, target in
            for (i, name) in names.enumerated() {
                let (header, byteCount) = try memberHeader(name, dtype: dtype, shape: shapes[i], fortranOrder: false, target: target)
                let size = header.count + byteCount
                if !compressed {
                    try writer.addStored(name: name + ".npy", size: UInt64(size)) { sink in
                        try sink(header)
                        try withoutActuallyEscaping(sink) { try bytes(i, $0) }
                    }
                    continue
                }
                var whole = Data(capacity: size)
                whole.append(header)
                try bytes(i) { piece in
                    guard whole.count + piece.count <= size else {
                        throw SafeIOError.writeFailed(
                            file: target, reason: "member '\((name + ".npy").printable())' gave more than \(size) bytes")
                    }
                    whole.append(piece)
                }
                guard whole.count == size else {
                    throw SafeIOError.writeFailed(
                        file: target, reason: "member '\((name + ".npy").printable())' gave \(whole.count) bytes, expected \(size)")
                }
                try writer.add(name: name + ".npy", prepared: try ZIPWriter.prepare([whole], deflate: true, target: target))
            }
        }
    }

    /// A member's `.npy` header as `NPYFile.write` writes it, and the byte count of its data; throws for shapes
    /// `.npy` cannot hold.
    private static func memberHeader(_ name: String, dtype: NPYDType, shape: [Int], fortranOrder: Bool, target: String) throws
        -> (header: Data, byteCount: Int)
    {
        if shape.count > NPYFormat.maxDimensions {
            throw NPYError.tooManyDimensions(
                file: "\(target): member '\(name.printable())'", count: shape.count, limit: NPYFormat.maxDimensions)
        }
        let (_, byteCount) = try NPYHeader.sizes(shape: shape, itemSize: dtype.itemSize, source: "\(target): member '\(name.printable())'")
        return (NPYHeader.encode(dtype: dtype, shape: shape, fortranOrder: fortranOrder), byteCount)
    }

    /// The frame every file writer shares: the names checked, the archive written to a temporary file by `body`
    /// (given the writer and the path to name in errors), its directory finished and read back (every member must be
    /// listed), then fsynced and renamed into place (`AtomicFile`).
    private static func writeArchive(
        names: [String], to url: URL, overwrite: Bool, body: (ZIPWriter, String) throws -> Void
    ) throws {
        try validate(names)
        let target = url.path
        try AtomicFile.write(to: url, overwrite: overwrite) { tmp in
            do {
                let writer = try ZIPWriter(url: tmp, target: target)
                defer { writer.close() }
                try body(writer, target)
                try writer.finish()
            } catch SafeIOError.writeFailed(let path, let reason) {
                throw SafeIOError.writeFailed(file: path, reason: "cannot write the archive: \(reason)")
            }
            // Read the directory back before the rename replaces the previous file: every member must be listed.
            let written = try? NPZArchive(url: tmp, limits: ResourceLimits(maxTotalBytes: .max, maxMembers: .max))
            guard let written, written.names.count == names.count else {
                throw SafeIOError.writeFailed(file: url.path, reason: "the archive is incomplete after writing (disk full?)")
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
