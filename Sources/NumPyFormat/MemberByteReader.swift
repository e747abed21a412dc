import Foundation

/// The uncompressed bytes of one `.npz` member, read forward on demand (pull, unlike `NPZArchive.extract`'s push), so
/// two members can be walked side by side in constant memory. Stored members are read with `pread`, deflated ones
/// inflated by zlib into the caller's buffer (`StreamingInflater.read(into:refill:)`).
///
/// Every byte handed out is counted against the declared size and added to the CRC-32; `finish()` reads what is
/// left (bytes numpy ignores after an array's data), then checks that exactly the declared size arrived, that a
/// deflate stream ends there and not later, and the CRC-32.
final class MemberByteReader {
    private let file: ArchiveFile
    private let record: ZIPRecord
    private let offset: UInt64
    private let path: String
    private let member: String
    private let inflater: StreamingInflater?
    private var produced: UInt64 = 0
    private var compressedRead: UInt64 = 0
    private var crc: UInt32 = 0
    /// The deflate stream reported its end.
    private var ended = false

    /// A reader of `record`'s data, which starts at `offset` of `file` (checked by `NPZArchive.validatedOffset`).
    init(file: ArchiveFile, record: ZIPRecord, offset: UInt64, path: String, member: String) throws {
        self.file = file
        self.record = record
        self.offset = offset
        self.path = path
        self.member = member
        if record.method == 0 {
            guard record.compressedSize == record.uncompressedSize else {
                throw NPZError.shorterThanDeclared(
                    file: path, member: member, declared: record.uncompressedSize, found: record.compressedSize)
            }
            inflater = nil
        } else {
            guard let inflater = StreamingInflater() else { throw NPZError.corruptDeflateStream(file: path, member: member) }
            self.inflater = inflater
        }
    }

    /// Fills `buffer` with the member's next bytes; fewer only at the end of the member (0 once it is over).
    /// Throws truncated or corrupt deflate streams and short reads.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let want = Int(min(UInt64(buffer.count), record.uncompressedSize - produced))
        guard want > 0 else { return 0 }
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want])
        var n = 0
        if let inflater {
            guard !ended else { return 0 }
            let (count, ending) = try inflater.read(into: target, refill: refill)
            n = count
            switch ending {
            case nil: break
            case .complete?: ended = true
            case .truncated?: throw NPZError.truncatedDeflateStream(file: path, member: member)
            case .corrupt?: throw NPZError.corruptDeflateStream(file: path, member: member)
            }
        } else {
            try file.read(into: target, at: offset + produced, what: "member '\(member)'")
            n = want
        }
        crc = DeflateCodec.crc32(target.baseAddress, count: n, seed: crc)
        produced += UInt64(n)
        return n
    }

    /// Reads exactly `count` bytes into `buffer`'s start, or throws what `finish()` finds (the member is shorter).
    func readExactly(into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            if n == 0 {
                try finish()
                throw NPZError.shorterThanDeclared(file: path, member: member, declared: record.uncompressedSize, found: produced)
            }
            done += n
        }
    }

    /// Reads the rest of the member and checks its size, the end of its deflate stream and its CRC-32.
    func finish() throws {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        while try read(into: scratch) > 0 {}
        if let inflater, !ended {
            // The declared size has arrived; the stream must end here, not produce more.
            let (count, ending) = try inflater.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<1]), refill: refill)
            if count > 0 { throw NPZError.inflatesPastDeclaredSize(file: path, member: member, declared: record.uncompressedSize) }
            switch ending {
            case .complete?: ended = true
            case .corrupt?: throw NPZError.corruptDeflateStream(file: path, member: member)
            case .truncated?, nil: throw NPZError.truncatedDeflateStream(file: path, member: member)
            }
        }
        if produced != record.uncompressedSize {
            throw NPZError.shorterThanDeclared(file: path, member: member, declared: record.uncompressedSize, found: produced)
        }
        if crc != record.crc32 { throw NPZError.crcMismatch(file: path, member: member, expected: record.crc32, found: crc) }
    }

    /// The next compressed bytes of the member into `buffer` (0 at the member's end).
    private func refill(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = Int(min(UInt64(buffer.count), record.compressedSize - compressedRead))
        guard n > 0 else { return 0 }
        try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n]), at: offset + compressedRead, what: "member '\(member)'")
        compressedRead += UInt64(n)
        return n
    }
}
