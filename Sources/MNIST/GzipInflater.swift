import CGzip
import Foundation
import SafeIO

/// A zlib inflate stream that reads gzip (or zlib) data incrementally. Owns the `z_stream`
/// and ends it exactly once, in `deinit`.
///
/// Concatenated gzip members are read as one stream (as `gunzip` does). Any failure of zlib
/// throws `MNISTError.corruptGzip` naming `file`.
final class GzipInflater {
    private var stream = z_stream()
    private let file: String
    private var input: [UInt8] = []
    private var inputOffset = 0
    private let handle: FileHandle
    private var finished = false
    /// Compressed bytes consumed so far.
    private(set) var compressedBytesRead: UInt64 = 0

    /// Size of each compressed read from the file.
    static let chunkSize = 1 << 20

    /// The part of a `SafeIOError` from `InputFile` after the path ("is a FIFO (named pipe), not a regular file; refused").
    static func reason(_ error: SafeIOError) -> String {
        switch error {
        case .notRegularFile(_, let kind): return "\(kind), not a regular file"
        case .cannotOpen(_, let reason): return reason
        default: return error.localizedDescription
        }
    }

    /// Opens `url` for inflating. Throws `MNISTError.unreadable` if it cannot be opened.
    init(url: URL) throws {
        file = url.path
        do {
            handle = try InputFile.open(url)
        } catch let error as SafeIOError {
            throw MNISTError.unreadable(file: url.path, reason: Self.reason(error))
        } catch {
            throw MNISTError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        // windowBits 15 + 32: accept a gzip or zlib header, detected automatically.
        let status = wb_inflateInit2(&stream, 15 + 32)
        guard status == Z_OK else {
            try? handle.close()
            throw MNISTError.corruptGzip(file: file, reason: "inflateInit2 failed with status \(status)")
        }
    }

    deinit {
        inflateEnd(&stream)
        try? handle.close()
    }

    /// Fills `buffer` with decompressed bytes; returns how many were written, less than
    /// `buffer.count` only at the end of the data.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var produced = 0
        while produced < buffer.count && !finished {
            if inputOffset == input.count {
                try refill()
                if input.isEmpty {
                    // The file ended inside a gzip member.
                    throw MNISTError.corruptGzip(file: file, reason: "compressed stream ends before its end marker")
                }
            }
            let remainingOut = buffer.count - produced
            let available = input.count - inputOffset
            var status: Int32 = Z_OK
            var consumed = 0
            var written = 0
            input.withUnsafeMutableBufferPointer { inBuf in
                stream.next_in = inBuf.baseAddress! + inputOffset
                stream.avail_in = uInt(available)
                stream.next_out = (base + produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(remainingOut)
                status = inflate(&stream, Z_NO_FLUSH)
                consumed = available - Int(stream.avail_in)
                written = remainingOut - Int(stream.avail_out)
                stream.next_in = nil
                stream.next_out = nil
            }
            inputOffset += consumed
            produced += written
            compressedBytesRead += UInt64(consumed)
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                try startNextMemberIfAny()
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw MNISTError.corruptGzip(file: file, reason: message)
            }
        }
        return produced
    }

    /// After a member ends, continues with the next concatenated gzip member, or marks the end.
    private func startNextMemberIfAny() throws {
        if inputOffset == input.count { try refill() }
        if input.isEmpty {
            finished = true
            return
        }
        guard input.count - inputOffset >= 2, input[inputOffset] == 0x1f, input[inputOffset + 1] == 0x8b else {
            throw MNISTError.corruptGzip(file: file, reason: "bytes after the end of the gzip stream are not another gzip member")
        }
        let status = inflateReset(&stream)
        guard status == Z_OK else {
            throw MNISTError.corruptGzip(file: file, reason: "inflateReset failed with status \(status)")
        }
    }

    private func refill() throws {
        let data: Data?
        do {
            data = try handle.read(upToCount: Self.chunkSize)
        } catch {
            throw MNISTError.unreadable(file: file, reason: error.localizedDescription)
        }
        input = data.map { [UInt8]($0) } ?? []
        inputOffset = 0
    }
}
