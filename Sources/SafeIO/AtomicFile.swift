import Foundation

/// Writes a file so that readers never see it half-written: the bytes go to a
/// temporary file in the target's directory, are flushed to disk, and the
/// temporary file is renamed over the target only when complete.
///
/// On any failure the previous file (if any) is untouched and the temporary
/// file is removed. Refuses to replace an existing file unless `overwrite`.
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL, overwrite: Bool = true) throws {
        try write(to: url, overwrite: overwrite) { tmp in
            try data.write(to: tmp)
        }
    }

    /// Calls `body` with a temporary path in the target's directory; when it
    /// returns, syncs the file and renames it onto `url`. If `body` throws,
    /// the temporary file is removed and the error propagates.
    public static func write(to url: URL, overwrite: Bool = true, _ body: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let dir = url.deletingLastPathComponent()
        if !overwrite && fm.fileExists(atPath: url.path) {
            throw SafeIOError.exists(path: url.path)
        }
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw SafeIOError.noDirectory(path: dir.path)
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try body(tmp)
            try sync(tmp)
            if rename(tmp.path, url.path) != 0 {
                throw SafeIOError.writeFailed(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch let error as SafeIOError {
            try? fm.removeItem(at: tmp)
            throw error
        } catch {
            try? fm.removeItem(at: tmp)
            if !fm.isWritableFile(atPath: dir.path) {
                throw SafeIOError.writeFailed(path: url.path, reason: "directory is not writable")
            }
            throw error
        }
    }

    private static func sync(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw SafeIOError.writeFailed(path: url.path, reason: "temporary file vanished: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        if fsync(fd) != 0 {
            throw SafeIOError.writeFailed(path: url.path, reason: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }
}
