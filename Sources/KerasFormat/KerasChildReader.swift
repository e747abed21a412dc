import Foundation
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

    /// Runs the child on the weights file `url` and decodes its tree, checked as `read` checks a model.
    func readTree(_ url: URL, limits: ResourceLimits) throws -> KerasWeightTree {
        try run(url, mode: .weightTree, limits: limits) { try KerasReaderReply.tree($0, values: $1, file: url.path, limits: limits) }
    }

    /// Runs the child on `url` and decodes its answer. Throws the child's own refusal
    /// (`KerasFormatError.refusedByReader`, with the message the in-process reader would give), or
    /// `.readerCrashed`, `.readerTimedOut`, `.readerFailed`.
    func read(_ url: URL, mode: Mode, limits: ResourceLimits) throws -> KerasFileContents {
        try run(url, mode: mode, limits: limits) { try KerasReaderReply.contents($0, values: $1, file: url.path, limits: limits) }
    }

    private func run<T>(
        _ url: URL, mode: Mode, limits: ResourceLimits, decode: (KerasReaderReply, [[Float]]) throws -> T
    ) throws -> T {
        let request = [mode.rawValue, url.path] + Self.encode(limits)
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        // The answer is decoded as it arrives, each weight's values copied into place (never the whole answer held).
        let receiver = KerasReaderReply.Receiver(file: url.path, limits: limits)
        let outcome = try ChildProcess.run(
            executable: executable.path, arguments: arguments + request, environment: environment,
            timeoutSeconds: timeoutSeconds, maxOutputBytes: KerasReaderReply.maxBytes(limits), output: receiver.consume)
        switch outcome.termination {
        case .exited(0):
            let (reply, values) = try receiver.finish()
            return try decode(reply, values)
        case .exited(let status):
            let stderr =
                String(decoding: outcome.errorOutput, as: UTF8.self)
                .split(whereSeparator: \.isNewline).first.map(String.init) ?? "no message"
            throw KerasFormatError.readerFailed(file: url.path, reason: "the reader exited with status \(status): \(stderr)")
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

    /// The child's side: answers one request (`arguments` as the parent built them) on `fd` (stdout), each weight
    /// written from its own storage (`KerasReaderReply.write(to:)`). Lowers this process's limits first (address
    /// space about twice `maxTotalBytes` plus 4 GiB, no core dumps) and always reads in-process. Errors become an
    /// error answer, never a thrown error.
    public static func serve(_ arguments: [String], to fd: Int32) {
        var reply = answer(arguments)
        reply.write(to: fd)
    }

    private static func answer(_ arguments: [String]) -> KerasReaderReply {
        guard arguments.count >= 2, let mode = Mode(rawValue: arguments[0]), let limits = decodeLimits(Array(arguments.dropFirst(2)))
        else {
            return KerasReaderReply.error("the isolated reader got a malformed request \(arguments.prefix(3))")
        }
        let (twice, o1) = limits.maxTotalBytes.multipliedReportingOverflow(by: 2)
        let (space, o2) = twice.addingReportingOverflow(4 << 30)
        ChildProcess.limitCurrentProcess(addressSpaceBytes: o1 || o2 ? nil : space, cpuSeconds: nil)
        let url = URL(fileURLWithPath: arguments[1])
        do {
            switch mode {
            case .keras: return KerasReaderReply.keras(try KerasModelFile.readInProcess(url, limits: limits))
            case .kerasOrList: return KerasReaderReply(try KerasModelFile.readOrListInProcess(url, limits: limits))
            case .weightTree: return KerasReaderReply.tree(try KerasWeightTree.readInProcess(url, limits: limits))
            }
        } catch {
            return KerasReaderReply.error((error as? LocalizedError)?.errorDescription ?? "\(url.path): \(error)")
        }
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
