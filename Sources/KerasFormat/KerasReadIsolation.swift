import Foundation

/// Where libhdf5 parses a `.h5` file for `KerasModelFile.read`: in this process, or in a child process that can
/// crash, hang or leak without taking the caller with it.
///
/// Debian's libhdf5 1.10.8 crashes on some malformed files inside its metadata cache and global heap, where no
/// check of ours can run first (Docs/reliability.md). `.childProcess` contains that: the child reads the file with
/// the same code and limits and sends the arrays back; a crash, a hang past the deadline, or an oversized answer
/// becomes a one-line `KerasFormatError` naming the file.
public enum KerasReadIsolation: Sendable, Equatable {
    /// libhdf5 runs in the calling process (fast; a hostile file can crash the process).
    case inProcess
    /// libhdf5 runs in a child process started from `KerasChildReader.executable`.
    case childProcess(KerasChildReader)

    private static let lock = NSLock()
    nonisolated(unsafe) private static var current: KerasReadIsolation = .inProcess

    /// The isolation used when a caller passes none: `.inProcess` unless set. The `weightbridge` command sets it
    /// to `.childProcess`, running itself, at startup.
    public static var `default`: KerasReadIsolation {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }
}
