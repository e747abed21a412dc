import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Starts writing a range of a file to disk without waiting (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`), so
/// that the fsync `AtomicFile` makes before its rename finds little left to do: durability is unchanged (the fsync
/// still decides), the disk's time overlaps the writer's. A no-op elsewhere or when the call is missing; any error
/// is left to the fsync to report.
public enum Writeback {
    #if os(Linux)
        /// glibc's `sync_file_range`, looked up once: Glibc's Swift module hides it behind `_GNU_SOURCE`.
        private static let syncFileRange: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32)? = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32).self)
        }()
    #endif

    /// Bytes written between two calls of `start` by the writers here.
    public static let interval = 8 << 20

    /// Starts writeback of `length` bytes of `fd` at `offset`.
    public static func start(_ fd: Int32, offset: UInt64, length: UInt64) {
        #if os(Linux)
            guard length > 0, let call = syncFileRange else { return }
            _ = call(fd, Int64(offset), Int64(length), 2)  // SYNC_FILE_RANGE_WRITE
        #endif
    }

    /// Writes all of `data` to `fd` at its current offset `offset` in `interval` slices, starting writeback after
    /// each. Throws `SafeIOError.writeFailed` naming `target` on a failed or short write (disk full).
    public static func writeAll(_ data: Data, to fd: Int32, offset: UInt64, target: String) throws {
        try data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, min(raw.count - done, interval))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw SafeIOError.writeFailed(file: target, reason: String(cString: strerror(errno))) }
                start(fd, offset: offset + UInt64(done), length: UInt64(n))
                done += n
            }
        }
    }
}
