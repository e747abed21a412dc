import Foundation
import HDF5
import SafeIO

/// Reads `.h5` files in a child process: `executable arguments... <mode> <path> <limits...>`, where the
/// executable answers through `KerasChildReader.serve` (the `weightbridge` command's hidden `_read-h5`).
///
/// The parent trusts nothing the child sends: the answer (`KerasReaderReply`) is decoded under the same
/// `ResourceLimits`, the configuration is parsed again here, and weights are checked against it, so a child
/// subverted by a hostile file can at worst produce a refusal or wrong numbers of bounded size.
public struct KerasChildReader: Sendable, Equatable {
    /// The program to run (for the CLI, the running `weightbridge` binary itself).
    public var executable: URL
    /// Arguments before the request, e.g. `["_read-h5"]`.
    public var arguments: [String]
    /// How long libhdf5 may take over one file before the child is killed.
    public var timeoutSeconds: Double

    public init(executable: URL, arguments: [String], timeoutSeconds: Double = 600) {
        self.executable = executable
        self.arguments = arguments
        self.timeoutSeconds = timeoutSeconds
    }

    /// What the child is asked for.
    enum Mode: String {
        /// `KerasModelFile.read`.
        case keras
        /// `KerasModelFile.readOrList`.
        case kerasOrList = "keras-or-list"
        /// `KerasWeightTree.read` (a Keras 3 weights file, e.g. the `model.weights.h5` of a `.keras` archive).
        case weightTree = "weight-tree"
    }

    /// The child's exit status for a refusal found after it sent the listing (its message is on stderr): the parent
    /// throws it as `KerasFormatError.refusedByReader`, as it throws an `error` answer.
    static let refusedAfterListing: Int32 = 3

    /// How many bytes of a weight the child reads and sends at a time (`HDF5Dataset.forEachFloatBlock`).
    static let blockBytes = 8 << 20

    /// Runs the child on `url`, handing its answer to `output` as it arrives, and returns when it has exited with
    /// status 0. Throws the child's refusal after its listing (`KerasFormatError.refusedByReader`, with the message
    /// the in-process reader would give), `.readerCrashed`, `.readerTimedOut`, `.readerFailed`, and what `output`
    /// threw when the child exited normally.
    func run(_ url: URL, mode: Mode, limits: ResourceLimits, output: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        let request = [mode.rawValue, url.path] + Self.encode(limits)
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        let outcome = try ChildProcess.run(
            executable: executable.path, arguments: arguments + request, environment: environment,
            timeoutSeconds: timeoutSeconds, maxOutputBytes: KerasReaderReply.maxBytes(limits), output: output)
        let firstLine = {
            String(decoding: outcome.errorOutput, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init)
        }
        switch outcome.termination {
        case .exited(0):
            return
        case .exited(Self.refusedAfterListing) where firstLine() != nil:
            throw KerasFormatError.refusedByReader(message: firstLine()!)
        case .exited(let status):
            throw KerasFormatError.readerFailed(
                file: url.path, reason: "the reader exited with status \(status): \(firstLine() ?? "no message")")
        case .signaled(let signal) where [SIGINT, SIGTERM, SIGHUP, SIGKILL].contains(signal):
            // Ctrl-C reaches the whole process group, the reader included; that is no crash.
            throw KerasFormatError.readerFailed(file: url.path, reason: "reading was interrupted (\(ChildProcess.signalName(signal)))")
        case .signaled(let signal):
            throw KerasFormatError.readerCrashed(file: url.path, signal: ChildProcess.signalName(signal))
        case .timedOut(let seconds):
            throw KerasFormatError.readerTimedOut(file: url.path, seconds: seconds)
        case .outputTooLarge(let limit):
            throw KerasFormatError.readerFailed(file: url.path, reason: "the reader's answer passed \(limit) bytes")
        }
    }

    /// The child's side: answers one request (`arguments` as the parent built them) on `fd` (stdout) and returns the
    /// exit status. Lowers this process's limits first (address space about twice `maxTotalBytes` plus 4 GiB, no
    /// core dumps) and always reads in-process. The file is listed and checked first and the listing sent (a refusal
    /// then is an `error` answer, status 0); then each weight is read and sent a block at a time
    /// (`blockBytes`), so the child never holds a whole weight. A refusal while reading the weights is written to
    /// stderr with status `refusedAfterListing`; a parent that has gone (a failed write) ends the child with status 1.
    public static func serve(_ arguments: [String], to fd: Int32) -> Int32 {
        func writeAll(_ raw: UnsafeRawBufferPointer) -> Bool {
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
        guard arguments.count >= 2, let mode = Mode(rawValue: arguments[0]), let limits = decodeLimits(Array(arguments.dropFirst(2)))
        else {
            let reply = KerasReaderReply.error("the isolated reader got a malformed request \(arguments.prefix(3))")
            return reply.head().withUnsafeBytes(writeAll) ? 0 : 1
        }
        let (twice, o1) = limits.maxTotalBytes.multipliedReportingOverflow(by: 2)
        let (space, o2) = twice.addingReportingOverflow(4 << 30)
        ChildProcess.limitCurrentProcess(addressSpaceBytes: o1 || o2 ? nil : space, cpuSeconds: nil)
        let url = URL(fileURLWithPath: arguments[1])
        func message(_ error: Error) -> String { (error as? LocalizedError)?.errorDescription ?? "\(url.path): \(error)" }
        let file: HDF5File
        let paths: [String]
        do {
            file = try HDF5File.open(url, limits: limits)
            let (contents, listed) = try KerasWeightStream.list(file, mode: mode, source: url.path, limits: limits)
            paths = listed
            guard KerasReaderReply(contents).head().withUnsafeBytes(writeAll) else { return 1 }
        } catch {
            return KerasReaderReply.error(message(error)).head().withUnsafeBytes(writeAll) ? 0 : 1
        }
        defer { try? file.close() }
        struct ParentGone: Error {}
        do {
            for path in paths {
                try file.root.dataset(path).forEachFloatBlock(maxBlockBytes: blockBytes) { block in
                    guard writeAll(UnsafeRawBufferPointer(block)) else { throw ParentGone() }
                }
            }
        } catch is ParentGone {
            return 1
        } catch {
            FileHandle.standardError.write(Data((PrintableText.line(message(error)) + "\n").utf8))
            return refusedAfterListing
        }
        return 0
    }

    private static func encode(_ l: ResourceLimits) -> [String] {
        [
            String(l.maxArrayBytes), String(l.maxTotalBytes), String(l.maxInflateRatio), String(l.maxMembers),
            String(l.maxConfigBytes), String(l.maxConfigDepth),
        ]
    }

    private static func decodeLimits(_ a: [String]) -> ResourceLimits? {
        guard a.count == 6, let array = UInt64(a[0]), let total = UInt64(a[1]), let ratio = UInt64(a[2]),
            let members = Int(a[3]), let configBytes = Int(a[4]), let depth = Int(a[5])
        else { return nil }
        return ResourceLimits(
            maxArrayBytes: array, maxTotalBytes: total, maxInflateRatio: ratio, maxMembers: members,
            maxConfigBytes: configBytes, maxConfigDepth: depth)
    }
}
