import Foundation
import SafeIO

/// The fields of a ZIP central-directory record that `NPZArchive` needs
/// (general-purpose flags, method, local header offset), read directly from the archive.
struct ZIPRecord {
    var nameBytes: [UInt8]
    var flags: UInt16
    var method: UInt16
    var crc32: UInt32
    var compressedSize: UInt64
    var uncompressedSize: UInt64
    var localHeaderOffset: UInt64

    var isEncrypted: Bool { flags & 1 != 0 }
    var isUTF8: Bool { flags & (1 << 11) != 0 }
}

/// Bounded positional reads from an open file, or from bytes in memory; every read past the end is an error.
final class ArchiveFile {
    let path: String
    let size: UInt64
    private let storage: Storage

    private enum Storage {
        case file(FileHandle)
        case memory(Data)
    }

    init(url: URL) throws {
        path = url.path
        let handle = try InputFile.open(url)
        storage = .file(handle)
        size = try handle.seekToEnd()
    }

    /// Reads from `bytes`; `source` names them in errors.
    init(bytes: Data, source: String) {
        path = source
        storage = .memory(bytes)
        size = UInt64(bytes.count)
    }

    deinit {
        if case .file(let handle) = storage { try? handle.close() }
    }

    /// Exactly `count` bytes at `offset`, or `NPZError.truncatedArchive` naming `what`.
    func read(at offset: UInt64, count: Int, what: @autoclosure () -> String) throws -> [UInt8] {
        [UInt8](try readData(at: offset, count: count, what: what()))
    }

    /// Exactly `count` bytes at `offset` as `Data` (no intermediate copy), or `truncatedArchive`.
    func readData(at offset: UInt64, count: Int, what: @autoclosure () -> String) throws -> Data {
        let (end, overflow) = offset.addingReportingOverflow(UInt64(count))
        guard !overflow, end <= size else {
            throw NPZError.truncatedArchive(file: path, reason: "\(what()) at offset \(offset) runs past the end of the \(size)-byte file")
        }
        // pread into the result: no seek, no intermediate buffer (this runs for every member of an archive).
        var data = Data(count: count)
        try data.withUnsafeMutableBytes { try read(into: $0, at: offset, what: what()) }
        return data
    }

    /// Reads exactly `buffer.count` bytes at `offset` straight into `buffer` (one copy, from the kernel),
    /// or throws `truncatedArchive` naming `what`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, what: @autoclosure () -> String) throws {
        let (end, overflow) = offset.addingReportingOverflow(UInt64(buffer.count))
        guard !overflow, end <= size else {
            throw NPZError.truncatedArchive(file: path, reason: "\(what()) at offset \(offset) runs past the end of the \(size)-byte file")
        }
        let handle: FileHandle
        switch storage {
        case .memory(let bytes):
            let start = bytes.startIndex + Int(offset)
            bytes.copyBytes(to: buffer, from: start..<start + buffer.count)
            return
        case .file(let file):
            handle = file
        }
        var done = 0
        while done < buffer.count {
            let n = pread(handle.fileDescriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw NPZError.truncatedArchive(file: path, reason: "\(what()) at offset \(offset) is short") }
            done += n
        }
    }

}

/// Reads the central directory: end record (and ZIP64 end record), then each entry's record.
enum ZIPDirectory {
    private static let eocdSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EOCDSignature: UInt32 = 0x0606_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
    static func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }

    /// The records in directory order and the directory's offset; refuses more than `maxMembers`
    /// before reading them.
    static func read(_ file: ArchiveFile, maxMembers: Int) throws -> (records: [ZIPRecord], directoryOffset: UInt64) {
        // The end record is 22 bytes plus a comment of up to 65535 bytes.
        let tailLength = Int(min(file.size, 22 + 65535))
        let tail = try file.read(at: file.size - UInt64(tailLength), count: tailLength, what: "end of central directory")
        var eocd = -1
        var i = tail.count - 22
        while i >= 0 {
            if u32(tail, i) == eocdSignature {
                eocd = i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else { throw NPZError.notAZip(file: file.path, reason: "no end-of-central-directory record") }
        var count = UInt64(u16(tail, eocd + 10))
        var directorySize = UInt64(u32(tail, eocd + 12))
        var directoryOffset = UInt64(u32(tail, eocd + 16))
        let eocdOffset = file.size - UInt64(tailLength) + UInt64(eocd)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF, eocdOffset >= 20 {
            let locator = try file.read(at: eocdOffset - 20, count: 20, what: "ZIP64 locator")
            if u32(locator, 0) == zip64LocatorSignature {
                let record = try file.read(at: u64(locator, 8), count: 56, what: "ZIP64 end of central directory")
                guard u32(record, 0) == zip64EOCDSignature else {
                    throw NPZError.notAZip(file: file.path, reason: "bad ZIP64 end-of-central-directory signature")
                }
                count = u64(record, 32)
                directorySize = u64(record, 40)
                directoryOffset = u64(record, 48)
            }
        }
        guard count <= UInt64(maxMembers) else {
            throw NPZError.tooManyMembers(file: file.path, count: Int(clamping: count), limit: maxMembers)
        }
        guard directorySize <= file.size, directoryOffset <= file.size - directorySize else {
            throw NPZError.truncatedArchive(
                file: file.path,
                reason: "central directory (\(directorySize) bytes at \(directoryOffset)) runs past the end of the \(file.size)-byte file")
        }
        let directory = try file.read(at: directoryOffset, count: Int(directorySize), what: "central directory")
        var records: [ZIPRecord] = []
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= directory.count, u32(directory, p) == centralSignature else {
                throw NPZError.truncatedArchive(
                    file: file.path, reason: "central directory holds fewer than the \(count) entries it declares")
            }
            let nameLength = Int(u16(directory, p + 28))
            let extraLength = Int(u16(directory, p + 30))
            let commentLength = Int(u16(directory, p + 32))
            guard p + 46 + nameLength + extraLength + commentLength <= directory.count else {
                throw NPZError.truncatedArchive(file: file.path, reason: "central directory entry \(records.count) runs past the directory")
            }
            var record = ZIPRecord(
                nameBytes: Array(directory[(p + 46)..<(p + 46 + nameLength)]), flags: u16(directory, p + 8), method: u16(directory, p + 10),
                crc32: u32(directory, p + 16), compressedSize: UInt64(u32(directory, p + 20)),
                uncompressedSize: UInt64(u32(directory, p + 24)), localHeaderOffset: UInt64(u32(directory, p + 42)))
            applyZIP64(Array(directory[(p + 46 + nameLength)..<(p + 46 + nameLength + extraLength)]), to: &record)
            records.append(record)
            p += 46 + nameLength + extraLength + commentLength
        }
        // A count lower than the entries the directory holds would silently hide members (Python's
        // zipfile reads by size and would see them all).
        guard p == directory.count else {
            throw NPZError.inconsistentDirectory(
                file: file.path,
                reason: "the end record declares \(count) entries in \(directorySize) bytes, but they end after \(p) bytes")
        }
        return (records, directoryOffset)
    }

    /// Refuses members whose bytes (local header through compressed data) overlap each other or the
    /// central directory: two directory entries sharing one byte range, a classic way to make one
    /// archive read differently in different tools, or to multiply a small file into a large output.
    /// Then compares every local header with its entry (`checkLocalHeader`).
    static func checkLayout(_ records: [ZIPRecord], directoryOffset: UInt64, in file: ArchiveFile) throws {
        var ranges: [(start: UInt64, end: UInt64, name: String)] = []
        ranges.reserveCapacity(records.count)
        for record in records {
            let name = String(decoding: record.nameBytes, as: UTF8.self)
            let (offset, _) = try dataOffset(of: record, in: file, member: name)
            ranges.append((record.localHeaderOffset, offset + record.compressedSize, name))  // no overflow: dataOffset checked it
        }
        ranges.sort { $0.start < $1.start }
        for (previous, next) in zip(ranges, ranges.dropFirst()) where next.start < previous.end {
            throw NPZError.overlappingMembers(file: file.path, first: previous.name, second: next.name)
        }
        if let last = ranges.last, last.end > directoryOffset {
            throw NPZError.overlappingMembers(file: file.path, first: last.name, second: "central directory")
        }
        // Then every local header must agree with its directory entry, field by field.
        var buffer = [UInt8](repeating: 0, count: 512)  // grown by checkLocalHeader when a header needs more
        for record in records {
            _ = try checkLocalHeader(of: record, in: file, member: String(decoding: record.nameBytes, as: UTF8.self), buffer: &buffer)
        }
    }

    /// Compares a member's local header with its central-directory entry, field by field (name, compression
    /// method, flags, and CRC-32 and sizes unless bit 3 defers them to a data descriptor; 0xFFFFFFFF sizes are
    /// taken from the local ZIP64 extra field), and returns the offset of its first data byte. A disagreement is
    /// `NPZError.localHeaderMismatch` naming the field: tools that trust one header or the other would read
    /// different members. `buffer` is scratch space reused across members, grown as a header needs (at most 30 + 2 x 65535 bytes).
    static func checkLocalHeader(of record: ZIPRecord, in file: ArchiveFile, member: String, buffer: inout [UInt8]) throws -> UInt64 {
        let path = file.path
        let start = record.localHeaderOffset
        // One read covers the fixed part, a name as long as the central one and a typical extra field.
        let first = Int(min(UInt64(30 + record.nameBytes.count + 64), file.size > start ? file.size - start : 0))
        guard first >= 30 else {
            throw NPZError.truncatedArchive(file: path, reason: "no local header for '\(member)' at offset \(start)")
        }
        if buffer.count < first { buffer += [UInt8](repeating: 0, count: first - buffer.count) }
        try buffer.withUnsafeMutableBytes {
            try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<first]), at: start, what: "local header of '\(member)'")
        }
        guard u32(buffer, 0) == localSignature else {
            throw NPZError.truncatedArchive(file: path, reason: "no local header for '\(member)' at offset \(start)")
        }
        let nameLength = Int(u16(buffer, 26))
        let extraLength = Int(u16(buffer, 28))
        let headerLength = 30 + nameLength + extraLength
        if headerLength > first {
            if buffer.count < headerLength { buffer += [UInt8](repeating: 0, count: headerLength - buffer.count) }
            try buffer.withUnsafeMutableBytes {
                try file.read(
                    into: UnsafeMutableRawBufferPointer(rebasing: $0[first..<headerLength]), at: start + UInt64(first),
                    what: "local header of '\(member)'")
            }
        }
        func mismatch(_ field: String, _ central: String, _ local: String) -> NPZError {
            NPZError.localHeaderMismatch(file: path, member: member, field: field, central: central, local: local)
        }
        let localName = Array(buffer[30..<(30 + nameLength)])
        if localName != record.nameBytes {
            throw mismatch("name", "'\(member)'", "'\(String(decoding: localName, as: UTF8.self))'")
        }
        let method = u16(buffer, 8)
        if method != record.method { throw mismatch("compression method", String(record.method), String(method)) }
        let flags = u16(buffer, 6)
        if flags != record.flags {
            throw mismatch("flags", "0x" + String(record.flags, radix: 16), "0x" + String(flags, radix: 16))
        }
        let crc = u32(buffer, 14)
        var compressed = UInt64(u32(buffer, 18))
        var uncompressed = UInt64(u32(buffer, 22))
        if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF {
            // The local ZIP64 extra field holds both sizes, uncompressed first (APPNOTE 4.5.3).
            var q = 30 + nameLength
            let end = headerLength
            while q + 4 <= end {
                let id = u16(buffer, q)
                let length = Int(u16(buffer, q + 2))
                if id == 1, length >= 16, q + 4 + 16 <= end {
                    uncompressed = u64(buffer, q + 4)
                    compressed = u64(buffer, q + 12)
                    break
                }
                q += 4 + length
            }
        }
        let deferred = flags & (1 << 3) != 0
        if !(deferred && crc == 0), crc != record.crc32 {
            throw mismatch("CRC-32", "0x" + String(record.crc32, radix: 16), "0x" + String(crc, radix: 16))
        }
        if !(deferred && compressed == 0), compressed != record.compressedSize {
            throw mismatch("compressed size", String(record.compressedSize), String(compressed))
        }
        if !(deferred && uncompressed == 0), uncompressed != record.uncompressedSize {
            throw mismatch("uncompressed size", String(record.uncompressedSize), String(uncompressed))
        }
        let offset = start + UInt64(headerLength)
        let (end, overflow) = offset.addingReportingOverflow(record.compressedSize)
        guard !overflow, end <= file.size else {
            throw NPZError.truncatedArchive(
                file: path,
                reason: "member '\(member)' (\(record.compressedSize) bytes at \(offset)) runs past the end of the \(file.size)-byte file")
        }
        return offset
    }

    /// Replaces 0xFFFFFFFF sizes and offset with the 64-bit values of the ZIP64 extra field (id 1),
    /// which holds only the fields that overflowed, in this order.
    private static func applyZIP64(_ extra: [UInt8], to record: inout ZIPRecord) {
        var q = 0
        while q + 4 <= extra.count {
            let id = u16(extra, q)
            let length = Int(u16(extra, q + 2))
            let end = q + 4 + length
            guard end <= extra.count else { return }
            if id == 1 {
                var r = q + 4
                if record.uncompressedSize == 0xFFFF_FFFF, r + 8 <= end {
                    record.uncompressedSize = u64(extra, r)
                    r += 8
                }
                if record.compressedSize == 0xFFFF_FFFF, r + 8 <= end {
                    record.compressedSize = u64(extra, r)
                    r += 8
                }
                if record.localHeaderOffset == 0xFFFF_FFFF, r + 8 <= end {
                    record.localHeaderOffset = u64(extra, r)
                    r += 8
                }
            }
            q = end
        }
    }

    /// Offset of the member's first data byte (after its local header), checking that the
    /// compressed bytes lie inside the file. Returns the local header's method too.
    static func dataOffset(of record: ZIPRecord, in file: ArchiveFile, member: String) throws -> (offset: UInt64, method: UInt16) {
        let local = try file.read(at: record.localHeaderOffset, count: 30, what: "local header of '\(member)'")
        guard u32(local, 0) == localSignature else {
            throw NPZError.truncatedArchive(
                file: file.path, reason: "no local header for '\(member)' at offset \(record.localHeaderOffset)")
        }
        let offset = record.localHeaderOffset + 30 + UInt64(u16(local, 26)) + UInt64(u16(local, 28))
        let (end, overflow) = offset.addingReportingOverflow(record.compressedSize)
        guard !overflow, end <= file.size else {
            throw NPZError.truncatedArchive(
                file: file.path,
                reason: "member '\(member)' (\(record.compressedSize) bytes at \(offset)) runs past the end of the \(file.size)-byte file")
        }
        return (offset, u16(local, 8))
    }
}
