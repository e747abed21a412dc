import Foundation
import SafeIO

/// A lazy reader of numpy `.npz` archives (`np.savez`, stored, and `np.savez_compressed`, deflate),
/// including the ZIP64 extra fields numpy always writes.
///
/// Opening reads only the central directory (`ZIPDirectory`, the one ZIP layer) and each member's local header (to
/// refuse members whose bytes overlap or disagree with the directory): `names` and `header(_:)` never extract whole
/// members; `array(_:)` extracts one. Stored members are read straight into the array's buffer; deflated members are
/// inflated whole by libdeflate straight into the array's buffer (`DeflateCodec`), never past the declared size.
/// Reading only a member's first bytes inflates with zlib piece by piece (`StreamingInflater`), stopped as soon as
/// enough has arrived. CRC-32 by libdeflate.
///
/// Refused when opening: not a ZIP, truncated directory, encrypted members, more than `limits.maxMembers` members,
/// members whose bytes overlap each other or the directory, duplicate names, names with `..`
/// components or absolute paths, declared totals over
/// `limits.maxTotalBytes`. Refused per member: encryption, methods other than 0 and 8, declared
/// sizes over `limits.maxArrayBytes` or inflate ratios over `limits.maxInflateRatio`, output past the
/// declared size (stopped as soon as it happens), truncated or corrupt deflate, CRC mismatch.
public final class NPZArchive {
    /// The archive's location. An archive read from memory (`init(data:source:limits:)`) has
    /// `URL(fileURLWithPath: source)`, which names no file.
    public let url: URL
    /// The archive's path, or the name given to bytes read from memory: what errors name.
    public var source: String { filePath }
    /// `url.path` (or the in-memory source name), kept: Foundation computes `URL.path` anew on every call.
    private let filePath: String
    let limits: ResourceLimits
    let file: ArchiveFile
    let members: [Member]
    /// Index into `members` by name and by stored path: `array(_:)` over every member stays linear.
    private let index: [String: Int]

    struct Member {
        let name: String
        let path: String
        let record: ZIPRecord
        /// `archive.npz:member.npy` (printable), naming the member in errors.
        let source: String
    }

    /// Thrown out of the inflater's consumer once enough bytes have arrived.
    struct StopExtraction: Error {}

    /// Opens `url` and reads its central directory (no member data).
    public convenience init(url: URL, limits: ResourceLimits = .default) throws {
        try self.init(file: try ArchiveFile(url: url), url: url, limits: limits)
    }

    /// Reads an archive held in memory (`np.savez` to a `BytesIO`, a download, `NPZWriter.encode`), with the same
    /// checks as a file; `source` names it in errors (`source:member.npy`). The bytes are kept, not copied.
    public convenience init(data: Data, source: String = "<memory>.npz", limits: ResourceLimits = .default) throws {
        try self.init(file: ArchiveFile(bytes: data, source: source), url: URL(fileURLWithPath: source), limits: limits)
    }

    private init(file: ArchiveFile, url: URL, limits: ResourceLimits) throws {
        self.url = url
        self.limits = limits
        let archivePath = file.path
        filePath = archivePath
        self.file = file
        let (records, directoryOffset) = try ZIPDirectory.read(file, maxMembers: limits.maxMembers)
        if let encrypted = records.first(where: \.isEncrypted) {
            throw NPZError.encryptedMember(file: archivePath, member: String(decoding: encrypted.nameBytes, as: UTF8.self))
        }
        try ZIPDirectory.checkLayout(records, directoryOffset: directoryOffset, in: file)
        var members: [Member] = []
        var seen = Set<String>()
        var total: UInt64 = 0
        for record in records {
            let path = record.isUTF8 ? String(decoding: record.nameBytes, as: UTF8.self) : CP437.decode(record.nameBytes)
            if !seen.insert(path).inserted { throw NPZError.duplicateMember(file: archivePath, member: path) }
            if NPZArchive.isUnsafe(path) { throw NPZError.unsafeMemberName(file: archivePath, member: path) }
            if path.hasSuffix("/") { continue }  // a directory entry holds no array
            let (sum, overflow) = total.addingReportingOverflow(record.uncompressedSize)
            total = overflow ? .max : sum
            let name = path.hasSuffix(".npy") ? String(path.dropLast(4)) : path
            members.append(Member(name: name, path: path, record: record, source: archivePath + ":" + path.printable()))
        }
        if total > limits.maxTotalBytes { throw NPZError.archiveTooLarge(file: archivePath, bytes: total, limit: limits.maxTotalBytes) }
        var index: [String: Int] = [:]
        index.reserveCapacity(members.count * 2)
        for (i, member) in members.enumerated() where index.updateValue(i, forKey: member.name) != nil {
            throw NPZError.duplicateMember(file: archivePath, member: member.name)
        }
        // A stored path ('a.npy') finds its member too, unless it is another member's name.
        for (i, member) in members.enumerated() where index[member.path] == nil { index[member.path] = i }
        self.members = members
        self.index = index
    }

    /// True for absolute paths and paths with a `..` component (either slash).
    static func isUnsafe(_ path: String) -> Bool {
        if path.hasPrefix("/") || path.hasPrefix("\\") { return true }
        if path.count >= 2, path.dropFirst().first == ":" { return true }  // C:...
        return path.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "/" || $0 == "\\" }).contains("..")
    }

    /// Member names in archive order, without the `.npy` suffix (`arr_0` for positional arrays).
    public var names: [String] { members.map(\.name) }

    /// The `.npy` header of member `name`, extracting only its first bytes (the inflater is stopped
    /// once the header is complete). No CRC check is possible on a partial read; `array(_:)` does it.
    public func header(_ name: String) throws -> NPYHeader {
        let member = try lookup(name)
        let source = member.source
        var prefix = Data()
        try extract(member, full: false) { chunk in
            prefix.append(chunk)
            let needed = try NPYHeader.requiredLength(prefix, source: source)
            if prefix.count >= needed { throw StopExtraction() }
        }
        return try NPYFile.decodeHeader(prefix, source: source)
    }

    /// Reads member `name`: header first (refusing arrays over `limits.maxArrayBytes` or larger than
    /// the member), then the whole member with its size and CRC-32 checked.
    public func array(_ name: String) throws -> NPYArray {
        let member = try lookup(name)
        let source = member.source
        let header = try self.header(name)
        try NPYFile.check(header, available: member.record.uncompressedSize, source: source, limits: limits)
        if member.record.method == 0 && !member.record.isEncrypted {
            return try readStoredArray(member, header: header, source: source)
        }
        let whole = try inflateWhole(member)
        // The array's data is the inflated buffer past its header: no copy (the buffer is freed with the array).
        let dataStart = whole.baseAddress! + header.headerLength
        let data = Data(bytesNoCopy: dataStart, count: header.byteCount, deallocator: .custom { _, _ in free(whole.baseAddress) })
        return try NPYArray(dtype: header.dtype, shape: header.shape, fortranOrder: header.fortranOrder, data: data)
    }

    /// A stored member read straight into the array's own buffer: one copy from the kernel, CRC-32 by
    /// zlib over the header bytes and the data, size checked against the record. This is what makes stored
    /// reads run at memory-copy speed.
    private func readStoredArray(_ member: Member, header: NPYHeader, source: String) throws -> NPYArray {
        let record = member.record
        let path = filePath
        let expected = UInt64(header.headerLength) + UInt64(header.byteCount)
        guard record.compressedSize == record.uncompressedSize, record.uncompressedSize == expected else {
            throw NPZError.shorterThanDeclared(file: path, member: member.path, declared: record.uncompressedSize, found: expected)
        }
        let (offset, localMethod) = try ZIPDirectory.dataOffset(of: record, in: file, member: member.path)
        guard localMethod == record.method else {
            throw NPZError.unsupportedCompression(file: path, member: member.path, method: localMethod)
        }
        let what = "member '\(member.path)'"
        let prefix = try file.readData(at: offset, count: header.headerLength, what: what)
        var crc = DeflateCodec.crc32(prefix)
        let body = try ArrayBuffer.data(header.byteCount, source: source) { (raw: UnsafeMutableRawBufferPointer) in
            var position = 0
            while position < raw.count {
                let n = min(NPZArchive.storedChunkSize, raw.count - position)
                let chunk = UnsafeMutableRawBufferPointer(rebasing: raw[position..<position + n])
                try file.read(into: chunk, at: offset + UInt64(header.headerLength) + UInt64(position), what: what)
                crc = DeflateCodec.crc32(chunk.baseAddress, count: n, seed: crc)
                position += n
            }
        }
        if crc != record.crc32 { throw NPZError.crcMismatch(file: path, member: member.path, expected: record.crc32, found: crc) }
        return try NPYArray(dtype: header.dtype, shape: header.shape, fortranOrder: header.fortranOrder, data: body)
    }

    func lookup(_ name: String) throws -> Member {
        if let i = index[name] { return members[i] }
        throw NPZError.noSuchMember(file: filePath, member: name, available: names)
    }

    /// Streams the member's uncompressed bytes to `sink`. With `full`, checks that exactly the declared
    /// size arrived and the CRC-32 matches; `sink` may throw `StopExtraction` to end early.
    func extract(_ member: Member, full: Bool, storedChunk: Int = NPZArchive.storedChunkSize, sink: (Data) throws -> Void) throws {
        let record = member.record
        let path = filePath
        let offset = try validatedOffset(of: member)
        var produced: UInt64 = 0
        var crc: UInt32 = 0
        func count(_ chunk: Data) throws {
            let allowed = record.uncompressedSize - produced
            produced += UInt64(chunk.count)
            if produced > record.uncompressedSize {
                // The bytes up to the declared size still reach the sink: a caller reading only the first bytes
                // (`header(_:)`) stops there, before the overflow counts.
                if allowed > 0 { try sink(chunk.prefix(Int(allowed))) }
                throw NPZError.inflatesPastDeclaredSize(file: path, member: member.path, declared: record.uncompressedSize)
            }
            crc = NPZArchive.crc32(chunk, seed: crc)
            try sink(chunk)
        }
        do {
            if record.method == 0 {
                try readStored(
                    record, at: offset, member: member, chunkSize: full ? storedChunk : NPZArchive.chunkSize, consumer: count
                )
            } else {
                try inflate(record, at: offset, member: member, consumer: count)
            }
        } catch is StopExtraction {
            return
        }
        guard full else { return }
        if produced != record.uncompressedSize {
            throw NPZError.shorterThanDeclared(file: path, member: member.path, declared: record.uncompressedSize, found: produced)
        }
        if crc != record.crc32 { throw NPZError.crcMismatch(file: path, member: member.path, expected: record.crc32, found: crc) }
    }

    /// Checks a member before any of its bytes are read (encryption, method, declared size, inflate ratio, local
    /// header) and returns the offset of its first data byte.
    func validatedOffset(of member: Member) throws -> UInt64 {
        let record = member.record
        let path = filePath
        if record.isEncrypted { throw NPZError.encryptedMember(file: path, member: member.path) }
        guard record.method == 0 || record.method == 8 else {
            throw NPZError.unsupportedCompression(file: path, member: member.path, method: record.method)
        }
        let sizeLimit = limits.maxArrayBytes &+ UInt64(NPYFormat.maxHeaderLength + 64)
        if record.uncompressedSize > sizeLimit {
            throw NPZError.memberTooLarge(file: path, member: member.path, bytes: record.uncompressedSize, limit: sizeLimit)
        }
        let (offset, localMethod) = try ZIPDirectory.dataOffset(of: record, in: file, member: member.path)
        guard localMethod == record.method else {
            throw NPZError.unsupportedCompression(file: path, member: member.path, method: localMethod)
        }
        if record.method == 8 {
            if record.uncompressedSize > 0 {
                let ratioLimit = limits.maxInflateRatio
                let (bound, overflow) = record.compressedSize.multipliedReportingOverflow(by: ratioLimit)
                if record.compressedSize == 0 || (!overflow && record.uncompressedSize > bound) {
                    throw NPZError.inflateRatioTooHigh(
                        file: path, member: member.path, compressed: record.compressedSize,
                        uncompressed: record.uncompressedSize, limit: ratioLimit)
                }
            }
            guard record.compressedSize > 0 else { throw NPZError.truncatedDeflateStream(file: path, member: member.path) }
        }
        return offset
    }

    /// Inflates a whole deflated member with libdeflate into a buffer of exactly its declared size (`ArrayBuffer`,
    /// the caller frees it with `free`), with its size and CRC-32 checked. The compressed bytes are held meanwhile.
    /// A stream libdeflate refuses is replayed through zlib to say whether it is truncated or corrupt.
    func inflateWhole(_ member: Member) throws -> UnsafeMutableRawBufferPointer {
        let record = member.record
        let path = filePath
        let offset = try validatedOffset(of: member)
        guard record.method == 8 else { throw NPZError.unsupportedCompression(file: path, member: member.path, method: record.method) }
        let compressed = try file.readData(at: offset, count: Int(record.compressedSize), what: "member '\(member.path)'")
        let size = Int(record.uncompressedSize)
        guard let output = ArrayBuffer.allocate(size) else {
            throw NPZError.memberTooLarge(file: path, member: member.path, bytes: record.uncompressedSize, limit: 0)
        }
        let base = output.baseAddress
        do {
            let outcome = compressed.withUnsafeBytes { DeflateCodec.inflate($0, into: output) }
            switch outcome {
            case .overflow:
                throw NPZError.inflatesPastDeclaredSize(file: path, member: member.path, declared: record.uncompressedSize)
            case .badData:
                throw try diagnoseBadStream(compressed, member: member)
            case .complete(let count) where count != size:
                throw NPZError.shorterThanDeclared(file: path, member: member.path, declared: record.uncompressedSize, found: UInt64(count))
            case .complete:
                let crc = DeflateCodec.crc32(output.baseAddress, count: size)
                if crc != record.crc32 { throw NPZError.crcMismatch(file: path, member: member.path, expected: record.crc32, found: crc) }
            }
        } catch {
            free(base)
            throw error
        }
        return output
    }

    /// The error for a stream libdeflate refused: zlib replays it, counting output against the declared size.
    private func diagnoseBadStream(_ compressed: Data, member: Member) throws -> NPZError {
        let path = filePath
        guard let inflater = StreamingInflater() else { return NPZError.corruptDeflateStream(file: path, member: member.path) }
        var fed = false
        var produced: UInt64 = 0
        let ending = try inflater.run(
            input: {
                defer { fed = true }
                return fed ? Data() : compressed
            },
            output: { chunk in
                produced += UInt64(chunk.count)
                if produced > member.record.uncompressedSize {
                    throw NPZError.inflatesPastDeclaredSize(file: path, member: member.path, declared: member.record.uncompressedSize)
                }
            })
        return ending == .truncated
            ? NPZError.truncatedDeflateStream(file: path, member: member.path)
            : NPZError.corruptDeflateStream(file: path, member: member.path)
    }

    static let chunkSize = 1 << 16
    /// Stored members are read in large chunks: fewer system calls and copies (memory-copy speed).
    static let storedChunkSize = 8 << 20

    private func readStored(_ record: ZIPRecord, at offset: UInt64, member: Member, chunkSize: Int, consumer: (Data) throws -> Void) throws
    {
        guard record.compressedSize == record.uncompressedSize else {
            throw NPZError.shorterThanDeclared(
                file: filePath, member: member.path, declared: record.uncompressedSize, found: record.compressedSize)
        }
        var position: UInt64 = 0
        while position < record.compressedSize {
            let n = Int(min(UInt64(chunkSize), record.compressedSize - position))
            try consumer(try file.readData(at: offset + position, count: n, what: "member '\(member.path)'"))
            position += UInt64(n)
        }
    }

    /// Streams a deflated member through zlib in 64 KiB pieces (its first bytes, or statistics in constant memory).
    private func inflate(_ record: ZIPRecord, at offset: UInt64, member: Member, consumer: (Data) throws -> Void) throws {
        let path = filePath
        guard let inflater = StreamingInflater() else { throw NPZError.corruptDeflateStream(file: path, member: member.path) }
        var position: UInt64 = 0
        let file = self.file
        let ending = try inflater.run(
            input: {
                let n = Int(min(UInt64(NPZArchive.chunkSize), record.compressedSize - position))
                guard n > 0 else { return Data() }
                let chunk = try file.readData(at: offset + position, count: n, what: "member '\(member.path)'")
                position += UInt64(n)
                return chunk
            },
            output: { try consumer(Data($0)) })
        switch ending {
        case .complete: return
        case .truncated: throw NPZError.truncatedDeflateStream(file: path, member: member.path)
        case .corrupt: throw NPZError.corruptDeflateStream(file: path, member: member.path)
        }
    }
}

extension NPZArchive {
    /// CRC-32 by libdeflate (the same for every ZIP member this package reads or writes).
    static func crc32(_ data: Data, seed: UInt32) -> UInt32 { DeflateCodec.crc32(data, seed: seed) }

}
