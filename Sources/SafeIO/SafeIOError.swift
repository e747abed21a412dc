import Foundation

/// Errors from writing files safely and from resource limits.
public enum SafeIOError: Error, LocalizedError, Equatable {
    /// The output exists and overwriting was not allowed.
    case exists(path: String)
    /// The output's directory does not exist.
    case noDirectory(path: String)
    /// The write failed; the previous file is untouched.
    case writeFailed(path: String, reason: String)
    /// A size read from a file exceeds a configured limit.
    case limitExceeded(what: String, value: UInt64, limit: UInt64)
    /// An input is not a regular file (after resolving symlinks): `kind` says what it is ("a FIFO (named pipe)",
    /// "a directory", "a character device", ...). Refused before anything is read from it.
    case notRegularFile(path: String, kind: String)
    /// An input cannot be opened; `reason` is the system's (`No such file or directory`, `Permission denied`).
    case cannotOpen(path: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case .exists(let path):
            return "\(path): already exists (give --force to replace it)"
        case .noDirectory(let path):
            return "\(path): directory does not exist"
        case .writeFailed(let path, let reason):
            return "\(path): write failed (\(reason)); the previous file, if any, is untouched"
        case .limitExceeded(let what, let value, let limit):
            return "\(what) is \(value) bytes, over the limit of \(limit) bytes"
        case .notRegularFile(let path, let kind):
            return "\(path): is \(kind), not a regular file; refused"
        case .cannotOpen(let path, let reason):
            return "\(path): cannot open (\(reason))"
        }
    }
}
