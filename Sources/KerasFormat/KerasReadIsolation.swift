import Foundation

/// Where libhdf5 parses a `.h5` file for `KerasModelFile.read`: in this process, or in a child process that can
/// crash, hang or leak without taking the caller with it.
///
/// Debian's libhdf5 1.10.8 crashes on some malformed files inside its metadata cache and global heap, where no
/// check of ours can run first (Docs/reliability.md). `.childProcess` contains that: the child reads the file with
/// the same code and limits and sends the arrays back; a crash, a hang past the deadline, or an oversized answer
/// becomes a one-line `KerasFormatError` naming the file.
///
/// It is a value the caller passes to every read (`KerasModelFile.read`, `KerasArchive.read`, `KerasWeightTree.read`,
/// and the layers above pass theirs down), never a process-wide setting: what a read may throw is decided by its
/// arguments. Library reads default to `.inProcess`; the `weightbridge` command builds one `.childProcess` reader
/// running itself and passes it to every read.
public enum KerasReadIsolation: Sendable, Equatable {
    /// libhdf5 runs in the calling process (fast; a hostile file can crash the process).
    case inProcess
    /// libhdf5 runs in a child process started from `KerasChildReader.executable`.
    case childProcess(KerasChildReader)
}
