import Foundation
import SafeIO

/// Raw member access, for ZIP containers that are not `.npz` but need the same hardening: a Keras 3 `.keras`
/// archive holds `metadata.json`, `config.json` and `model.weights.h5`.
extension NPZArchive {
    /// Every member's path as stored (with any `.npy` suffix), in archive order; directory entries are left out.
    public var memberPaths: [String] { members.map(\.path) }

    /// The member's declared uncompressed size, or nil when the archive has no member at `path`.
    public func declaredSize(ofMember path: String) -> UInt64? {
        members.first { $0.path == path }?.record.uncompressedSize
    }

    /// The whole uncompressed bytes of the member stored at `path` (stored or deflated), with the same checks as
    /// `array(_:)`: declared size at most `maxBytes` (and the archive's limits) before anything is read, output
    /// stopped as soon as it passes the declared size (zip bombs), exact size and CRC-32 checked.
    /// Throws `NPZError.noSuchMember` when there is none, `.memberTooLarge` when it declares more than `maxBytes`.
    public func memberData(_ path: String, maxBytes: UInt64) throws -> Data {
        guard let member = members.first(where: { $0.path == path }) else {
            throw NPZError.noSuchMember(file: source, member: path, available: memberPaths)
        }
        if member.record.uncompressedSize > maxBytes {
            throw NPZError.memberTooLarge(file: source, member: path, bytes: member.record.uncompressedSize, limit: maxBytes)
        }
        if member.record.method == 8 && !member.record.isEncrypted {
            let whole = try inflateWhole(member)
            return Data(bytesNoCopy: whole.baseAddress!, count: whole.count, deallocator: .free)
        }
        var bytes = Data()
        bytes.reserveCapacity(Int(member.record.uncompressedSize))
        try extract(member, full: true) { bytes.append($0) }
        return bytes
    }

    /// Copies the member stored at `path` into the new file `destination` piece by piece (1 MiB reads of a stored
    /// member, 64 KiB of inflated output), with the checks of `memberData(_:maxBytes:)`; memory stays at one piece
    /// whatever the member's size. A `.keras` archive's `model.weights.h5` goes to a temporary file this way for
    /// libhdf5. The file is removed again when the copy fails.
    public func copyMember(_ path: String, maxBytes: UInt64, to destination: URL) throws {
        guard let member = members.first(where: { $0.path == path }) else {
            throw NPZError.noSuchMember(file: url.path, member: path, available: memberPaths)
        }
        if member.record.uncompressedSize > maxBytes {
            throw NPZError.memberTooLarge(file: url.path, member: path, bytes: member.record.uncompressedSize, limit: maxBytes)
        }
        let fd = open(destination.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SafeIOError.writeFailed(file: destination.path, reason: String(cString: strerror(errno))) }
        var closed = false
        defer { if !closed { close(fd) } }
        do {
            try extract(member, full: true, storedChunk: 1 << 20) { chunk in
                try chunk.withUnsafeBytes { raw in
                    var done = 0
                    while done < raw.count {
                        let n = write(fd, raw.baseAddress! + done, raw.count - done)
                        if n < 0 && errno == EINTR { continue }
                        guard n > 0 else { throw SafeIOError.writeFailed(file: destination.path, reason: String(cString: strerror(errno))) }
                        done += n
                    }
                }
            }
            closed = true
            close(fd)
        } catch {
            unlink(destination.path)
            throw error
        }
    }
}
