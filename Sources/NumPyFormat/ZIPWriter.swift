import Foundation
import SafeIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a ZIP archive front to back in one pass, for `NPZWriter` and `.keras` archives: each member's local header,
/// its bytes (stored, or raw deflate by libdeflate, `DeflateCodec`), then the central directory and end records, with
/// ZIP64 fields wherever a size, an offset or the member count needs them.
///
/// ZIPFoundation's `Archive.addEntry` re-reads and rewrites the whole central directory after every member, which
/// made an archive of 60,000 tiny members take tens of seconds; this writer keeps the directory in memory and
/// writes it once, so time is linear in the number of members and their bytes. Every write is checked (a full disk
/// is an error, never a short archive). A deflated member is compressed whole before it is written
/// (`prepare(_:deflate:)`, safe to call on several threads at once), so its local header is written once with its
/// final CRC-32 and sizes and always agrees with its central-directory entry, field for field.
package final class ZIPWriter {
    private let fd: Int32
    private let path: String
    private var offset: UInt64 = 0
    private var directory = Data()
    private var count: UInt64 = 0
    private var buffer = Data()
    private let dosTime: UInt16
    private let dosDate: UInt16

    /// Members are buffered up to this many bytes before a write to the file.
    private static let flushSize = 8 << 20

    /// The whole archive, for a writer made by `init(inMemory:)` (empty for a file writer).
    package private(set) var bytes = Data()
    /// True when the archive goes to `bytes` instead of a file.
    private let inMemory: Bool

    /// Creates (or truncates) `url`. Throws `SafeIOError.writeFailed` naming `target`, the file the user asked for.
    package init(url: URL, target: String) throws {
        path = target
        inMemory = false
        fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SafeIOError.writeFailed(file: target, reason: String(cString: strerror(errno))) }
        (dosTime, dosDate) = ZIPWriter.dosNow()
    }

    /// Writes the archive to memory (`bytes`, complete after `finish()`); `target` names it in errors.
    package init(inMemory target: String) {
        path = target
        inMemory = true
        fd = -1
        isOpen = false
        (dosTime, dosDate) = ZIPWriter.dosNow()
    }

    /// The local time as a ZIP (MS-DOS) time and date.
    private static func dosNow() -> (time: UInt16, date: UInt16) {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return (
            UInt16(parts.tm_hour << 11 | parts.tm_min << 5 | parts.tm_sec / 2),
            UInt16(max(0, parts.tm_year - 80) << 9 | (parts.tm_mon + 1) << 5 | parts.tm_mday)
        )
    }

    private var isOpen = true

    deinit { close() }

    /// Closes the file (the writer cannot be used afterwards).
    package func close() {
        if isOpen { _ = closeDescriptor(fd) }
        isOpen = false
    }

    /// A member's bytes as they will be written: stored, or deflated whole, with the CRC-32 of the uncompressed bytes.
    package struct PreparedMember: @unchecked Sendable {
        /// The uncompressed bytes, in order (for a `.npy` member: its header, then the array's data, not copied).
        let parts: [Data]
        /// The deflated stream in pieces to write in order (`ChunkedDeflate`), or nil for a stored member.
        let deflated: [Data]?
        let crc: UInt32
        let size: UInt64
    }

    /// Computes a member's CRC-32 and, when `deflate`, its deflated form (libdeflate at `DeflateCodec.level`, 16 MiB
    /// chunks on every core joined into one stream: `ChunkedDeflate`; the parts are read in place). Pure: members may
    /// be prepared on several threads at once, and the archive is byte-identical to a sequential run on any number of
    /// cores. Throws `SafeIOError.writeFailed` naming `target` when libdeflate or zlib cannot allocate their state.
    package static func prepare(_ parts: [Data], deflate: Bool, target: String) throws -> PreparedMember {
        var crc: UInt32 = 0
        var size: UInt64 = 0
        for part in parts {
            crc = DeflateCodec.crc32(part, seed: crc)
            size += UInt64(part.count)
        }
        guard deflate else { return PreparedMember(parts: parts, deflated: nil, crc: crc, size: size) }
        guard let deflated = ChunkedDeflate.deflate(parts) else {
            throw SafeIOError.writeFailed(file: target, reason: "libdeflate or zlib cannot allocate its state")
        }
        return PreparedMember(parts: parts, deflated: deflated, crc: crc, size: size)
    }

    /// Appends member `name` holding `bytes`.
    package func add(name: String, bytes: Data, deflate: Bool) throws {
        try add(name: name, prepared: try ZIPWriter.prepare([bytes], deflate: deflate, target: path))
    }

    /// Appends member `name` as prepared by `prepare(_:deflate:target:)`.
    package func add(name: String, prepared member: PreparedMember) throws {
        let nameBytes = Array(name.utf8)
        let flags: UInt16 = nameBytes.allSatisfy { $0 < 0x80 } ? 0 : 1 << 11  // bit 11: the name is UTF-8
        let method: UInt16 = member.deflated == nil ? 0 : 8
        let size = member.size
        let compressedSize = member.deflated.map { $0.reduce(0) { $0 + UInt64($1.count) } } ?? size
        let headerOffset = offset
        let localZIP64 = size >= 0xFFFF_FFFF || compressedSize >= 0xFFFF_FFFF
        try append(
            localHeader(nameBytes, flags, method, crc: member.crc, compressed: compressedSize, uncompressed: size, zip64: localZIP64))
        if let deflated = member.deflated {
            for piece in deflated { try append(piece) }
        } else {
            for part in member.parts { try append(part) }
        }
        directory.append(
            centralEntry(
                nameBytes, flags, method, crc: member.crc, compressed: compressedSize, uncompressed: size,
                headerOffset: headerOffset, localZIP64: localZIP64))
        count += 1
    }

    /// Appends a stored member `name` of exactly `size` bytes that `produce` hands to its sink piece by piece: no
    /// piece is held longer than its write, so a member of any size costs the memory of one piece. The CRC-32 is
    /// computed as the pieces pass and written into the local header afterwards (a positional write over the
    /// placeholder), so the archive is byte-identical to `add(name:prepared:)` of the same bytes. Throws
    /// `SafeIOError.writeFailed` naming the target when `produce` hands over more or fewer than `size` bytes
    /// (the archive is then unusable, and the caller's `AtomicFile` discards it), and whatever `produce` throws.
    package func addStored(name: String, size: UInt64, produce: ((Data) throws -> Void) throws -> Void) throws {
        let nameBytes = Array(name.utf8)
        let flags: UInt16 = nameBytes.allSatisfy { $0 < 0x80 } ? 0 : 1 << 11
        let zip64 = size >= 0xFFFF_FFFF
        try flush()  // the local header must reach the file (or `bytes`) before it can be patched
        let headerOffset = offset
        let header = localHeader(nameBytes, flags, 0, crc: 0, compressed: size, uncompressed: size, zip64: zip64)
        try append(header)
        try flush()
        var crc: UInt32 = 0
        var passed: UInt64 = 0
        try produce { piece in
            passed += UInt64(piece.count)
            guard passed <= size else { return }
            crc = DeflateCodec.crc32(piece, seed: crc)
            offset += UInt64(piece.count)
            try writeAll(piece)
        }
        guard passed == size else {
            throw SafeIOError.writeFailed(file: path, reason: "member '\(name.printable())' gave \(passed) bytes, expected \(size)")
        }
        // The CRC-32 field sits 14 bytes into a local header (after signature, version, flags, method, time, date).
        try patch(UInt32(crc).littleEndian, at: headerOffset + 14)
        directory.append(
            centralEntry(
                nameBytes, flags, 0, crc: crc, compressed: size, uncompressed: size, headerOffset: headerOffset,
                localZIP64: zip64))
        count += 1
    }

    /// Overwrites four bytes already written at `position` (the archive's own offsets).
    private func patch(_ value: UInt32, at position: UInt64) throws {
        var v = value
        let field = Data(bytes: &v, count: 4)
        if inMemory {
            let start = bytes.startIndex + Int(position)
            bytes.replaceSubrange(start..<(start + 4), with: field)
            return
        }
        let n = field.withUnsafeBytes { pwrite(fd, $0.baseAddress!, 4, off_t(position)) }
        guard n == 4 else { throw SafeIOError.writeFailed(file: path, reason: String(cString: strerror(errno))) }
    }

    /// Writes the central directory and end records and flushes everything to the file (not to disk: the caller
    /// fsyncs, `AtomicFile`).
    package func finish() throws {
        let directoryOffset = offset
        try append(directory)
        let directorySize = UInt64(directory.count)
        let needsZIP64 = count >= 0xFFFF || directoryOffset >= 0xFFFF_FFFF || directorySize >= 0xFFFF_FFFF
        if needsZIP64 {
            let zip64Offset = offset
            var record = Data()
            record.le32(0x0606_4b50)
            record.le64(44)  // size of the rest of this record
            record.le16(45)
            record.le16(45)
            record.le32(0)
            record.le32(0)
            record.le64(count)
            record.le64(count)
            record.le64(directorySize)
            record.le64(directoryOffset)
            record.le32(0x0706_4b50)  // locator
            record.le32(0)
            record.le64(zip64Offset)
            record.le32(1)
            try append(record)
        }
        var end = Data()
        end.le32(0x0605_4b50)
        end.le16(0)
        end.le16(0)
        end.le16(UInt16(min(count, 0xFFFF)))
        end.le16(UInt16(min(count, 0xFFFF)))
        end.le32(UInt32(min(directorySize, 0xFFFF_FFFF)))
        end.le32(UInt32(min(directoryOffset, 0xFFFF_FFFF)))
        end.le16(0)
        try append(end)
        try flush()
    }

    private func localHeader(
        _ name: [UInt8], _ flags: UInt16, _ method: UInt16, crc: UInt32, compressed: UInt64, uncompressed: UInt64, zip64: Bool
    ) -> Data {
        var h = Data()
        h.le32(0x0403_4b50)
        appendEntryFields(&h, name, flags, method, crc: crc, compressed: compressed, uncompressed: uncompressed, zip64: zip64)
        h.le16(zip64 ? 20 : 0)
        h.append(contentsOf: name)
        if zip64 {
            h.le16(1)
            h.le16(16)
            h.le64(uncompressed)
            h.le64(compressed)
        }
        return h
    }

    /// The fields a local header and its central-directory entry share, in the order both spell them: version
    /// needed, flags, method, DOS time and date, CRC-32, compressed and uncompressed sizes (0xFFFFFFFF when they
    /// live in the ZIP64 extra field) and the name's length.
    private func appendEntryFields(
        _ d: inout Data, _ name: [UInt8], _ flags: UInt16, _ method: UInt16, crc: UInt32, compressed: UInt64,
        uncompressed: UInt64, zip64: Bool, neededVersion: UInt16? = nil
    ) {
        d.le16(neededVersion ?? (zip64 ? 45 : 20))
        d.le16(flags)
        d.le16(method)
        d.le16(dosTime)
        d.le16(dosDate)
        d.le32(crc)
        d.le32(zip64 ? 0xFFFF_FFFF : UInt32(compressed))
        d.le32(zip64 ? 0xFFFF_FFFF : UInt32(uncompressed))
        d.le16(UInt16(name.count))
    }

    private func centralEntry(
        _ name: [UInt8], _ flags: UInt16, _ method: UInt16, crc: UInt32, compressed: UInt64, uncompressed: UInt64,
        headerOffset: UInt64, localZIP64: Bool
    ) -> Data {
        // The central sizes agree with the local header: both ZIP64 (0xFFFFFFFF plus the extra field) or both plain.
        var extra = Data()
        if localZIP64 {
            extra.le64(uncompressed)
            extra.le64(compressed)
        }
        let bigOffset = headerOffset >= 0xFFFF_FFFF
        if bigOffset { extra.le64(headerOffset) }
        var e = Data()
        e.le32(0x0201_4b50)
        e.le16(0x031E)  // made by: Unix, ZIP 3.0 (as Python's zipfile)
        appendEntryFields(
            &e, name, flags, method, crc: crc, compressed: compressed, uncompressed: uncompressed, zip64: localZIP64,
            neededVersion: localZIP64 || bigOffset ? 45 : 20)
        e.le16(extra.isEmpty ? 0 : UInt16(4 + extra.count))
        e.le16(0)  // comment
        e.le16(0)  // disk
        e.le16(0)  // internal attributes
        e.le32(0o100644 << 16)  // external attributes: a regular file, rw-r--r--
        e.le32(bigOffset ? 0xFFFF_FFFF : UInt32(headerOffset))
        e.append(contentsOf: name)
        if !extra.isEmpty {
            e.le16(1)
            e.le16(UInt16(extra.count))
            e.append(extra)
        }
        return e
    }

    private func append(_ data: Data) throws {
        offset += UInt64(data.count)
        if data.count >= ZIPWriter.flushSize {
            // A large member goes to the file directly, not through a copy in the buffer.
            try flush()
            try writeAll(data)
            return
        }
        buffer.append(data)
        if buffer.count >= ZIPWriter.flushSize { try flush() }
    }

    private func flush() throws {
        try writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Bytes of the file written so far.
    private var written: UInt64 = 0

    /// Writes `data` with writeback started as it goes (`Writeback`): the final fsync overlaps the writing.
    private func writeAll(_ data: Data) throws {
        if inMemory {
            bytes.append(data)
            return
        }
        try Writeback.writeAll(data, to: fd, offset: written, target: path)
        written += UInt64(data.count)
    }

    static func crc32(_ data: Data) -> UInt32 { NPZArchive.crc32(data, seed: 0) }
}

extension Data {
    fileprivate mutating func le16(_ v: UInt16) { Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) } }
    fileprivate mutating func le32(_ v: UInt32) { Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) } }
    fileprivate mutating func le64(_ v: UInt64) { Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) } }
}

#if canImport(Glibc)
    private func closeDescriptor(_ fd: Int32) -> Int32 { Glibc.close(fd) }
#else
    private func closeDescriptor(_ fd: Int32) -> Int32 { Darwin.close(fd) }
#endif
