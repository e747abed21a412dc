import CGzip
import Foundation
import SafeIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a ZIP archive front to back in one pass, for `NPZWriter`: each member's local header, its bytes (stored,
/// or raw deflate by zlib at its default level, as `np.savez_compressed`), then the central directory and end
/// records, with ZIP64 fields wherever a size, an offset or the member count needs them.
///
/// ZIPFoundation's `Archive.addEntry` re-reads and rewrites the whole central directory after every member, which
/// made an archive of 60,000 tiny members take tens of seconds; this writer keeps the directory in memory and
/// writes it once, so time is linear in the number of members and their bytes. Every write is checked (a full disk
/// is an error, never a short archive). The local header of a deflated member is written first with room for
/// ZIP64 sizes when deflate could reach 4 GiB, then completed in place (`pwrite`) once the CRC-32 and compressed
/// size are known; it always agrees with its central-directory entry, field for field.
final class ZIPWriter {
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
    /// Uncompressed bytes handed to zlib per call.
    private static let deflateChunk = 1 << 20

    /// Creates (or truncates) `url`. Throws `SafeIOError.writeFailed` naming `target`, the file the user asked for.
    init(url: URL, target: String) throws {
        path = target
        fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SafeIOError.writeFailed(path: target, reason: String(cString: strerror(errno))) }
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        dosTime = UInt16(parts.tm_hour << 11 | parts.tm_min << 5 | parts.tm_sec / 2)
        dosDate = UInt16(max(0, parts.tm_year - 80) << 9 | (parts.tm_mon + 1) << 5 | parts.tm_mday)
    }

    private var isOpen = true
    /// Deflate streams kept for all members and reset between them: zlib's init allocates about 256 KB of state,
    /// and a reset clears the match hash table, which dominated archives of many tiny members. Index 0 is for
    /// members up to `smallMember` bytes, with a 256-entry hash table (memLevel 1: same format, nearly the same
    /// ratio on such sizes); index 1 for the rest (zlib's defaults). Heap-allocated: zlib keeps a pointer to each.
    private var deflaters: [UnsafeMutablePointer<z_stream>?] = [nil, nil]
    private static let smallMember = 64 << 10
    /// zlib's output buffer, allocated once (clearing 1 MB per member was most of the time for tiny members).
    private var deflated: [UInt8] = []

    deinit {
        close()
        for case let stream? in deflaters {
            deflateEnd(stream)
            stream.deallocate()
        }
    }

    /// Closes the file (the writer cannot be used afterwards).
    func close() {
        if isOpen { _ = closeDescriptor(fd) }
        isOpen = false
    }

    /// Appends member `name` holding `bytes`.
    func add(name: String, bytes: Data, deflate: Bool) throws {
        let nameBytes = Array(name.utf8)
        let flags: UInt16 = nameBytes.allSatisfy { $0 < 0x80 } ? 0 : 1 << 11  // bit 11: the name is UTF-8
        let method: UInt16 = deflate ? 8 : 0
        let size = UInt64(bytes.count)
        let headerOffset = offset
        // A deflated member can grow a little past its input (deflateBound); ZIP64 sizes when that could pass 4 GiB.
        let maxCompressed = deflate ? size + size / 1000 + 64 : size
        let localZIP64 = size >= 0xFFFF_FFFF || maxCompressed >= 0xFFFF_FFFF
        let crc: UInt32
        var compressedSize = size
        if deflate {
            try append(localHeader(nameBytes, flags, method, crc: 0, compressed: 0, uncompressed: size, zip64: localZIP64))
            let (c, n) = try writeDeflated(bytes)
            crc = c
            compressedSize = n
            try flush()
            // Complete the header in place: CRC-32 at 14, sizes at 18/22 (or in the ZIP64 extra field).
            let header = localHeader(nameBytes, flags, method, crc: crc, compressed: compressedSize, uncompressed: size, zip64: localZIP64)
            try writeAt(headerOffset, header)
        } else {
            crc = ZIPWriter.crc32(bytes)
            try append(localHeader(nameBytes, flags, method, crc: crc, compressed: size, uncompressed: size, zip64: localZIP64))
            try append(bytes)
        }
        directory.append(
            centralEntry(
                nameBytes, flags, method, crc: crc, compressed: compressedSize, uncompressed: size,
                headerOffset: headerOffset, localZIP64: localZIP64))
        count += 1
    }

    /// Writes the central directory and end records and flushes everything to the file (not to disk: the caller
    /// fsyncs, `AtomicFile`).
    func finish() throws {
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
        h.le16(zip64 ? 45 : 20)
        h.le16(flags)
        h.le16(method)
        h.le16(dosTime)
        h.le16(dosDate)
        h.le32(crc)
        h.le32(zip64 ? 0xFFFF_FFFF : UInt32(compressed))
        h.le32(zip64 ? 0xFFFF_FFFF : UInt32(uncompressed))
        h.le16(UInt16(name.count))
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
        e.le16(localZIP64 || bigOffset ? 45 : 20)
        e.le16(flags)
        e.le16(method)
        e.le16(dosTime)
        e.le16(dosDate)
        e.le32(crc)
        e.le32(localZIP64 ? 0xFFFF_FFFF : UInt32(compressed))
        e.le32(localZIP64 ? 0xFFFF_FFFF : UInt32(uncompressed))
        e.le16(UInt16(name.count))
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

    /// Deflates `bytes` (raw deflate, zlib's default level) into the output; returns its CRC-32 and compressed size.
    private func writeDeflated(_ bytes: Data) throws -> (crc: UInt32, size: UInt64) {
        let stream: UnsafeMutablePointer<z_stream>
        let kind = bytes.count <= ZIPWriter.smallMember ? 0 : 1
        if let deflater = deflaters[kind] {
            stream = deflater
            guard deflateReset(stream) == Z_OK else {
                throw SafeIOError.writeFailed(path: path, reason: "zlib cannot reset its deflate stream")
            }
        } else {
            stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            guard wb_deflateInit2(stream, Z_DEFAULT_COMPRESSION, -15, kind == 0 ? 1 : 8) == Z_OK else {
                stream.deallocate()
                throw SafeIOError.writeFailed(path: path, reason: "zlib cannot start a deflate stream")
            }
            deflaters[kind] = stream
        }
        var crc: UInt = 0
        var produced: UInt64 = 0
        if deflated.isEmpty { deflated = [UInt8](repeating: 0, count: ZIPWriter.deflateChunk + 1024) }
        var out: [UInt8] = []
        swap(&out, &deflated)  // moved, not shared: writing into a shared array would copy it
        defer { swap(&out, &deflated) }
        try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var position = 0
            repeat {
                let n = min(ZIPWriter.deflateChunk, raw.count - position)
                let input = raw.baseAddress.map { $0.assumingMemoryBound(to: Bytef.self) + position }
                if n > 0 { crc = CGzip.crc32(crc, input, uInt(n)) }
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input)
                stream.pointee.avail_in = uInt(n)
                position += n
                let mode = position == raw.count ? Z_FINISH : Z_NO_FLUSH
                var status: Int32 = Z_OK
                repeat {
                    let written = out.withUnsafeMutableBufferPointer { o -> Int in
                        stream.pointee.next_out = o.baseAddress
                        stream.pointee.avail_out = uInt(o.count)
                        status = deflate(stream, mode)
                        return o.count - Int(stream.pointee.avail_out)
                    }
                    if written > 0 {
                        try append(Data(out[0..<written]))
                        produced += UInt64(written)
                    }
                } while stream.pointee.avail_out == 0 || (mode == Z_FINISH && status == Z_OK)
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    throw SafeIOError.writeFailed(path: path, reason: "zlib deflate failed with status \(status)")
                }
            } while position < raw.count
        }
        return (UInt32(truncatingIfNeeded: crc), produced)
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

    private func writeAll(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw SafeIOError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
                done += n
            }
        }
    }

    private func writeAt(_ position: UInt64, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(position) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw SafeIOError.writeFailed(path: path, reason: String(cString: strerror(errno))) }
                done += n
            }
        }
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
