import Foundation

/// Writes a file so that readers never see it half-written: the bytes go to a
/// temporary file in the target's directory, are flushed to disk, and the
/// temporary file is renamed over the target only when complete.
///
/// On any failure the previous file (if any) is untouched and the temporary
/// file is removed: when the body or a system call fails, on SIGINT, SIGTERM and SIGHUP (`TemporaryFiles`), and
/// after SIGKILL on the next write to the same directory (`TemporaryFiles.removeStale(in:)`). Refuses to replace an existing file unless `overwrite`; without `overwrite` the
/// file is published with `link(2)`, which fails if the target appeared meanwhile (no check-then-rename race).
public enum AtomicFile {
    /// Writes `data` to `url` atomically. Throws `SafeIOError.writeFailed` when the bytes cannot be
    /// written (disk full, I/O error, unwritable directory).
    public static func write(_ data: Data, to url: URL, overwrite: Bool = true) throws {
        try write(to: url, overwrite: overwrite) { tmp in
            do {
                try data.write(to: tmp)
            } catch {
                throw SafeIOError.writeFailed(file: url.path, reason: describe(error))
            }
        }
    }

    /// A one-line reason for a Foundation or POSIX write error (the underlying `strerror` text when known).
    public static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }

    /// Calls `body` with a temporary path in the target's directory; when it
    /// returns, syncs the file and renames it onto `url`. If `body` throws,
    /// the temporary file is removed and the error propagates.
    public static func write(to url: URL, overwrite: Bool = true, _ body: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let dir = url.deletingLastPathComponent()
        if !overwrite && fm.fileExists(atPath: url.path) {
            throw SafeIOError.exists(file: url.path)
        }
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw SafeIOError.noDirectory(file: dir.path)
        }
        // Temporaries of writers killed with SIGKILL (which nothing can catch) go on the next write here.
        TemporaryFiles.removeStale(in: dir)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        // SIGINT, SIGTERM and SIGHUP during the write remove the temporary too.
        let slot = TemporaryFiles.register(tmp.path)
        defer { TemporaryFiles.unregister(slot) }
        do {
            try body(tmp)
            try sync(tmp, target: url)
            if overwrite {
                if rename(tmp.path, url.path) != 0 {
                    throw SafeIOError.writeFailed(file: url.path, reason: String(cString: strerror(errno)))
                }
            } else {
                // No-clobber publish: link() fails with EEXIST if the target appeared since the check
                // above, so a file created meanwhile is never replaced. Then drop the temporary name.
                if link(tmp.path, url.path) != 0 {
                    let code = errno
                    if code == EEXIST { throw SafeIOError.exists(file: url.path) }
                    throw SafeIOError.writeFailed(file: url.path, reason: String(cString: strerror(code)))
                }
                unlink(tmp.path)
            }
            syncDirectory(dir)
        } catch let error as SafeIOError {
            try? fm.removeItem(at: tmp)
            throw error
        } catch {
            try? fm.removeItem(at: tmp)
            if !fm.isWritableFile(atPath: dir.path) {
                throw SafeIOError.writeFailed(file: url.path, reason: "directory is not writable")
            }
            throw error
        }
    }

    /// Makes the rename durable. Best effort: the new file is already in place, so a failure here
    /// must not be reported as a failed write.
    private static func syncDirectory(_ dir: URL) {
        let fd = open(dir.path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Flushes the temporary file `url` to disk; errors name the `target` the user asked for.
    private static func sync(_ url: URL, target: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw SafeIOError.writeFailed(file: target.path, reason: "temporary file vanished: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        if fsync(fd) != 0 {
            throw SafeIOError.writeFailed(file: target.path, reason: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }
}
