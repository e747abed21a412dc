import Foundation
import SafeIO

/// Reading a member piece by piece, for work that must not hold the whole array (statistics in `inspect` and
/// `compare`): memory stays at one piece (1 MiB of a stored member, 64 KiB of inflated output), whatever
/// the member's size.
extension NPZArchive {
    /// Calls `body` with consecutive pieces of member `name`'s data, in storage order (C or Fortran as the header
    /// says), each a one-dimensional array of whole elements of the member's dtype; returns the member's header.
    ///
    /// The same checks as `array(_:)`: header and limits first, then output stopped past the declared size,
    /// exact size and CRC-32 checked once the last piece has been handed over (a corrupt member can therefore
    /// throw after `body` has seen some pieces; callers discard what they gathered).
    @discardableResult
    public func forEachPiece(of name: String, _ body: (NPYArray) throws -> Void) throws -> NPYHeader {
        let member = try lookup(name)
        let source = member.source
        let header = try self.header(name)
        try NPYFile.check(header, available: member.record.uncompressedSize, source: source, limits: limits)
        let itemSize = header.dtype.itemSize
        let dataEnd = header.headerLength + header.byteCount
        var position = 0  // bytes of the member seen so far
        var carry = Data()  // a partial element left over from the previous chunk
        // Stored members in 1 MiB reads: a piece and its float64 values stay a few MiB.
        try extract(member, full: true, storedChunk: 1 << 20) { chunk in
            let start = position
            position += chunk.count
            // Only the bytes between the header and the end of the data count; numpy ignores what follows.
            let lower = max(start, header.headerLength)
            let upper = min(position, dataEnd)
            guard lower < upper else { return }
            var bytes = carry
            bytes.append(chunk[(chunk.startIndex + lower - start)..<(chunk.startIndex + upper - start)])
            let whole = bytes.count - bytes.count % itemSize
            carry = bytes.suffix(from: bytes.startIndex + whole)
            guard whole > 0 else { return }
            let piece = bytes.prefix(whole)
            try body(try NPYArray(dtype: header.dtype, shape: [whole / itemSize], data: Data(piece)))
        }
        return header
    }

    /// Member `name` read forward piece by piece when the caller asks (`ArrayPieceReader`): `compare` walks two
    /// members side by side with it. Header and limits are checked here, size and CRC-32 after the last piece.
    public func pieceReader(_ name: String) throws -> ArrayPieceReader {
        let member = try lookup(name)
        let header = try self.header(name)
        try NPYFile.check(header, available: member.record.uncompressedSize, source: member.source, limits: limits)
        let offset = try validatedOffset(of: member)
        let bytes = try MemberByteReader(file: file, record: member.record, offset: offset, path: url.path, member: member.path)
        let skipped = UnsafeMutableRawBufferPointer.allocate(byteCount: header.headerLength, alignment: 16)
        defer { skipped.deallocate() }
        try bytes.readExactly(into: skipped)
        return ArrayPieceReader(header: header, fill: bytes.readExactly(into:), finish: bytes.finish)
    }
}

extension NPZArchive {
    /// Writes member `name` to `destination` as a `.npy` file, atomically as `NPYFile.write` does, reading and
    /// writing 8 MiB at a time, the next piece read (inflated) on another thread while the last is written
    /// (`TwoBufferPipeline`): memory stays constant whatever the member's size (two pieces, no buffer of the whole
    /// array, and none of its page faults). The header is written anew, as `NPYFile.write` writes it for the same array; the
    /// member's declared size and CRC-32 are checked (`MemberByteReader.finish`) before the file is renamed into
    /// place, so a corrupt member leaves no file behind.
    public func writeMemberAsNPY(_ name: String, to destination: URL, overwrite: Bool = true) throws {
        let member = try lookup(name)
        let header = try self.header(name)
        try NPYFile.check(header, available: member.record.uncompressedSize, source: member.source, limits: limits)
        let offset = try validatedOffset(of: member)
        let bytes = try MemberByteReader(file: file, record: member.record, offset: offset, path: url.path, member: member.path)
        let encoded = NPYHeader.encode(dtype: header.dtype, shape: header.shape, fortranOrder: header.fortranOrder)
        let chunk = 8 << 20
        let skipped = UnsafeMutableRawBufferPointer.allocate(byteCount: max(header.headerLength, 1), alignment: 64)
        defer { skipped.deallocate() }
        try bytes.readExactly(into: UnsafeMutableRawBufferPointer(rebasing: skipped[0..<header.headerLength]))
        let target = destination.path
        try AtomicFile.write(to: destination, overwrite: overwrite) { tmp in
            let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SafeIOError.writeFailed(file: target, reason: String(cString: strerror(errno))) }
            defer { close(fd) }
            try Writeback.writeAll(encoded, to: fd, offset: 0, target: target)
            var written = UInt64(encoded.count)
            // The next piece is read (inflated, for a deflated member) while the last one is written.
            let sizes = stride(from: 0, to: header.byteCount, by: chunk).map { min(chunk, header.byteCount - $0) }
            try TwoBufferPipeline.run(
                sizes: sizes, fill: { _, piece in try bytes.readExactly(into: piece) },
                drain: { piece in
                    try Writeback.writeAll(
                        Data(bytesNoCopy: piece.baseAddress!, count: piece.count, deallocator: .none), to: fd, offset: written,
                        target: target)
                    written += UInt64(piece.count)
                })
            try bytes.finish()
        }
    }
}
