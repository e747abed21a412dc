import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens files WeightBridge reads, refusing at once anything that is not a regular file after symlinks are
/// resolved: a FIFO (whose `open` or first read would block forever), a character device (`/dev/zero`,
/// `/dev/urandom`: endless), a directory, a socket or a block device.
///
/// The file is opened with `O_NONBLOCK` (so opening a FIFO with no writer returns at once) and checked with
/// `fstat` on the opened descriptor, so what is checked is what is read. Every reader calls this: `.npy`, `.npz`,
/// `.h5` (before libhdf5 sees the path, and again in the isolated reader), architecture JSON/YAML and MNIST files.
public enum InputFile {
    /// Opens `url` for reading. Throws `SafeIOError.notRegularFile` naming what it is instead, or
    /// `SafeIOError.cannotOpen` with the system's reason (missing file, permission).
    public static func open(_ url: URL) throws -> FileHandle {
        let fd = try openDescriptor(url.path)
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Checks that `url` is a regular file (after resolving symlinks) that can be opened, without keeping it open.
    /// For readers that take a path (libhdf5). Returns its size in bytes.
    @discardableResult
    public static func check(_ url: URL) throws -> UInt64 {
        let fd = try openDescriptor(url.path)
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SafeIOError.cannotOpen(file: url.path, reason: errnoText()) }
        return UInt64(max(0, info.st_size))
    }

    /// The whole of `url`, refused before reading when it is not a regular file or is larger than `maxBytes`
    /// (`SafeIOError.limitExceeded`, naming the file).
    public static func readAll(_ url: URL, maxBytes: UInt64) throws -> Data {
        let handle = try open(url)
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        if size > maxBytes { throw SafeIOError.limitExceeded(file: url.path, what: nil, value: size, limit: maxBytes, unit: "bytes") }
        try handle.seek(toOffset: 0)
        return try handle.read(upToCount: Int(size)) ?? Data()
    }

    private static func openDescriptor(_ path: String) throws -> Int32 {
        var fd: Int32
        repeat { fd = systemOpen(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw SafeIOError.cannotOpen(file: path, reason: errnoText()) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = errnoText()
            close(fd)
            throw SafeIOError.cannotOpen(file: path, reason: reason)
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(fd)
            throw SafeIOError.notRegularFile(file: path, kind: describe(kind))
        }
        // Regular files never block; clear the flag so later reads behave as usual.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return fd
    }

    private static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

#if canImport(Glibc)
    private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { Glibc.open(path, flags) }
#else
    private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { Darwin.open(path, flags) }
#endif
