import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a program as a child process with a deadline and a cap on what it may write back, for work that
/// must not be able to crash, hang or exhaust the caller: parsing an untrusted file with a C library
/// (libhdf5) that has known memory-safety bugs.
///
/// The child is started with `posix_spawn` (no shell), with stdin from `/dev/null` and stdout and stderr
/// on pipes that the parent drains with `poll`. The child is killed (SIGKILL) when the deadline passes or
/// when stdout grows past `maxOutputBytes`; stderr keeps only its first `maxErrorBytes` bytes.
public enum ChildProcess {
    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        /// It exited with this status.
        case exited(Int32)
        /// A signal killed it (e.g. 11, SIGSEGV, from a crash in a C library; 6, SIGABRT, from an abort).
        case signaled(Int32)
        /// It was still running at the deadline and was killed.
        case timedOut(seconds: Double)
        /// It wrote more than the allowed bytes to stdout and was killed.
        case outputTooLarge(limit: UInt64)
    }

    /// The result of `run`.
    public struct Outcome: Sendable {
        public var termination: Termination
        /// Everything the child wrote to stdout (at most `maxOutputBytes`).
        public var output: Data
        /// The first `maxErrorBytes` bytes the child wrote to stderr.
        public var errorOutput: Data
    }

    /// Errors starting a child (not errors of the child itself, which are in `Outcome.termination`).
    public enum Failure: WeightBridgeError, Equatable {
        case cannotStart(executable: String, reason: String)

        public var fileAndProblem: (file: String?, problem: String) {
            switch self {
            case .cannotStart(let executable, let reason): (executable, "cannot start a child process (\(reason))")
            }
        }
    }

    /// Runs `executable` with `arguments` (argv[1...]) and `environment` (nil: this process's environment),
    /// waits at most `timeoutSeconds`, and returns how it ended with its output.
    ///
    /// With `output`, stdout is handed to it as it arrives instead of being gathered (`Outcome.output` stays empty),
    /// so a large answer is decoded into place rather than held twice. The cap still counts every byte. Time spent
    /// inside `output` does not count against `timeoutSeconds` (a consumer that holds the child back, blocked on the
    /// full pipe, is not the child hanging). If `output`
    /// throws, it gets nothing more; the child is drained and reaped as usual, and the error is rethrown when the child
    /// exited with status 0 (otherwise its termination says more, and is returned).
    public static func run(
        executable: String, arguments: [String], environment: [String: String]? = nil, timeoutSeconds: Double,
        maxOutputBytes: UInt64, maxErrorBytes: Int = 64 << 10, output sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil
    ) throws -> Outcome {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw Failure.cannotStart(executable: executable, reason: errnoText()) }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0])
            close(outPipe[1])
            throw Failure.cannotStart(executable: executable, reason: errnoText())
        }
        // Close-on-exec, so that other children never inherit these pipes (dup2 in the spawn clears it on 1 and 2).
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, &argv, &envp)
        close(outPipe[1])
        close(errPipe[1])
        guard spawned == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw Failure.cannotStart(executable: executable, reason: String(cString: strerror(spawned)))
        }
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }

        var deadline = Date().addingTimeInterval(timeoutSeconds)
        var output = Data()
        var outputCount: UInt64 = 0
        var sinkError: Error?
        var errorOutput = Data()
        var open = [outPipe[0], errPipe[0]]
        var killedFor: Termination?
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !open.isEmpty && killedFor == nil {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                killedFor = .timedOut(seconds: timeoutSeconds)
                break
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000, 1000).rounded(.up)))
            if ready < 0 {
                if errno == EINTR { continue }
                killedFor = .timedOut(seconds: timeoutSeconds)
                break
            }
            for fd in fds where fd.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fd.fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    open.removeAll { $0 == fd.fd }
                    continue
                }
                if fd.fd == outPipe[0] {
                    if outputCount + UInt64(n) > maxOutputBytes {
                        killedFor = .outputTooLarge(limit: maxOutputBytes)
                        break
                    }
                    outputCount += UInt64(n)
                    if let sink {
                        if sinkError == nil {
                            let started = Date()
                            defer { deadline += Date().timeIntervalSince(started) }
                            do {
                                try buffer.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                            } catch {
                                sinkError = error
                            }
                        }
                    } else {
                        output.append(buffer, count: n)
                    }
                } else if errorOutput.count < maxErrorBytes {
                    errorOutput.append(buffer, count: min(n, maxErrorBytes - errorOutput.count))
                }
            }
        }
        if killedFor != nil { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if let killedFor { return Outcome(termination: killedFor, output: output, errorOutput: errorOutput) }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros; their Linux and BSD encoding is the same.
        let termination: Termination = status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
        if let sinkError, termination == .exited(0) { throw sinkError }
        return Outcome(termination: termination, output: output, errorOutput: errorOutput)
    }

    /// Limits the calling process itself, for use at the start of a child that parses untrusted input:
    /// address space (`RLIMIT_AS`, when given), CPU time (`RLIMIT_CPU`, when given), and no core dumps.
    public static func limitCurrentProcess(addressSpaceBytes: UInt64?, cpuSeconds: UInt64?) {
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(resourceID(RLIMIT_CORE), &noCore)
        if let addressSpaceBytes {
            var r = rlimit(rlim_cur: rlim_t(addressSpaceBytes), rlim_max: rlim_t(addressSpaceBytes))
            _ = setrlimit(resourceID(RLIMIT_AS), &r)
        }
        if let cpuSeconds {
            var r = rlimit(rlim_cur: rlim_t(cpuSeconds), rlim_max: rlim_t(cpuSeconds + 5))
            _ = setrlimit(resourceID(RLIMIT_CPU), &r)
        }
    }

    /// A signal's conventional name (`SIGSEGV`), or `signal N`.
    public static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL",
            SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGINT: "SIGINT", SIGXCPU: "SIGXCPU", SIGTRAP: "SIGTRAP",
        ]
        return names[signal] ?? "signal \(signal)"
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    #if canImport(Glibc)
        private static func resourceID(_ r: __rlimit_resource) -> __rlimit_resource_t { __rlimit_resource_t(r.rawValue) }
    #else
        private static func resourceID(_ r: Int32) -> Int32 { r }
    #endif
}
