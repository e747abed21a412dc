import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Keeps `AtomicFile`'s temporary files from outliving the process that writes them.
///
/// - SIGINT, SIGTERM and SIGHUP: while a temporary is registered, a signal handler unlinks every registered path
///   (with `unlink` only, which is async-signal-safe, from fixed buffers filled before the write began), restores
///   the default action and re-raises the signal, so the process still ends as the signal asks. The handlers are
///   installed at the first registration, and never over a signal the process ignores (`nohup`).
/// - SIGKILL cannot be caught: `removeStale(in:)`, called before each write, deletes temporaries of WeightBridge's
///   own naming (`.<name>.tmp-<pid>-<n>`) in the target's directory whose writer process no longer exists and
///   which belong to the same user. A live writer's temporary is never touched.
public enum TemporaryFiles {
    /// Most temporaries tracked at once; a path past this (or longer than `pathCapacity`) is still removed by
    /// `AtomicFile` on every ordinary failure, and by `removeStale` after a signal.
    static let slotCount = 32
    static let pathCapacity = 4096

    /// One lock for registration; the signal handler reads without it (a slot is marked in use only after its
    /// path is complete, and a path buffer is never freed).
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false
    private static let storage: Storage = Storage()

    /// Fixed memory the signal handler can read without allocating.
    private final class Storage: @unchecked Sendable {
        let inUse = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: TemporaryFiles.slotCount)
        let paths = UnsafeMutablePointer<CChar>.allocate(capacity: TemporaryFiles.slotCount * TemporaryFiles.pathCapacity)
        init() { inUse.initialize(repeating: 0, count: TemporaryFiles.slotCount) }
    }

    /// Registers `path` for removal on SIGINT/SIGTERM/SIGHUP; returns its slot for `unregister`, or nil when all
    /// slots are taken or the path is too long.
    public static func register(_ path: String) -> Int? {
        let bytes = Array(path.utf8CString)
        guard bytes.count <= pathCapacity else { return nil }
        return lock.withLock { () -> Int? in
            if !installed {
                installHandlers()
                installed = true
            }
            let s = storage
            guard let slot = (0..<slotCount).first(where: { s.inUse[$0] == 0 }) else { return nil }
            let buffer = s.paths + slot * pathCapacity
            bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: $0.count) }
            s.inUse[slot] = 1
            return slot
        }
    }

    /// Stops tracking a path given by `register` (after it was renamed or removed).
    public static func unregister(_ slot: Int?) {
        guard let slot else { return }
        lock.withLock { storage.inUse[slot] = 0 }
    }

    /// Called from the signal handler: unlinks every registered path. Async-signal-safe (no allocation, no locks).
    fileprivate static func unlinkRegistered() {
        let s = storage
        for slot in 0..<slotCount where s.inUse[slot] != 0 {
            _ = unlink(s.paths + slot * pathCapacity)
        }
    }

    private static func installHandlers() {
        _ = storage
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var old = sigaction()
            guard sigaction(signal, nil, &old) == 0, handlerIsDefault(old) else { continue }
            var action = sigaction()
            setHandler(&action, removeTemporariesAndReraise)
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)  // 0x80000000 on Linux
            _ = sigaction(signal, &action, nil)
        }
    }

    /// The temporary-file name `AtomicFile` uses for `target` in process `pid`.
    static func isOurTemporary(_ name: String) -> pid_t? {
        // .<target>.tmp-<pid>-<n>
        guard name.hasPrefix("."), let range = name.range(of: ".tmp-", options: .backwards),
            range.lowerBound > name.index(after: name.startIndex)
        else { return nil }
        let parts = name[range.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let pid = pid_t(parts[0]), pid > 0, UInt32(parts[1]) != nil else { return nil }
        return pid
    }

    /// Deletes WeightBridge temporaries in `directory` left by processes that no longer exist (killed with
    /// SIGKILL, or a power cut), owned by this user. Best effort: errors are ignored. Returns the names removed.
    @discardableResult
    public static func removeStale(in directory: URL) -> [String] {
        guard let dir = opendir(directory.path) else { return [] }
        defer { closedir(dir) }
        var removed: [String] = []
        let me = getpid()
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            guard let pid = isOurTemporary(name), pid != me else { continue }
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            let path = directory.appendingPathComponent(name).path
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid() else { continue }
            if unlink(path) == 0 { removed.append(name) }
        }
        return removed
    }
}

/// The handler itself: a C function pointer may not capture context.
private func removeTemporariesAndReraise(_ signal: Int32) {
    TemporaryFiles.unlinkRegistered()
    // SA_RESETHAND restored the default action; the signal is blocked until this returns, then ends the process.
    raise(signal)
}

#if canImport(Glibc)
    private func handlerIsDefault(_ action: sigaction) -> Bool {
        action.__sigaction_handler.sa_handler == nil  // SIG_DFL is the null handler
    }
    private func setHandler(_ action: inout sigaction, _ handler: @escaping @convention(c) (Int32) -> Void) {
        action.__sigaction_handler.sa_handler = handler
    }
#else
    private func handlerIsDefault(_ action: sigaction) -> Bool {
        action.__sigaction_u.__sa_handler == nil
    }
    private func setHandler(_ action: inout sigaction, _ handler: @escaping @convention(c) (Int32) -> Void) {
        action.__sigaction_u.__sa_handler = handler
    }
#endif
