import Foundation

/// Errors from writing files safely and from resource limits.
public enum SafeIOError: WeightBridgeError, Equatable {
    /// The output exists and overwriting was not allowed.
    case exists(file: String)
    /// The output's directory does not exist.
    case noDirectory(file: String)
    /// The write failed; the previous file is untouched.
    case writeFailed(file: String, reason: String)
    /// A size or count read from `file` exceeds a configured limit: `what` was measured (nil: the file's own size),
    /// in `unit` (plural, `"bytes"`; empty for a bare count).
    case limitExceeded(file: String, what: String?, value: UInt64, limit: UInt64, unit: String)
    /// An input is not a regular file (after resolving symlinks): `kind` says what it is ("a FIFO (named pipe)",
    /// "a directory", "a character device", ...). Refused before anything is read from it.
    case notRegularFile(file: String, kind: String)
    /// An input cannot be opened; `reason` is the system's (`No such file or directory`, `Permission denied`).
    case cannotOpen(file: String, reason: String)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .exists(let file): (file, "already exists")
        case .noDirectory(let file): (file, "directory does not exist")
        case .writeFailed(let file, let reason): (file, "write failed (\(reason)); the previous file, if any, is untouched")
        case .limitExceeded(let file, let what, let value, let limit, let unit):
            (file, (what.map { "\($0) is " } ?? "is ") + ResourceLimits.overLimit(value, limit: limit, unit: unit))
        case .notRegularFile(let file, let kind): (file, "is \(kind), not a regular file; refused")
        case .cannotOpen(let file, let reason): (file, "cannot open (\(reason))")
        }
    }
}
