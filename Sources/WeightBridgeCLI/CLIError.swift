import Foundation
import WeightBridge

/// Errors the command line itself detects (missing files, bad option values). These, unlike library errors, may
/// name the flags.
enum CLIError: WeightBridgeError {
    case missingFile(file: String, flag: String)
    case noMNIST(searched: [String])
    case badInput(file: String, reason: String)
    case badOption(String)

    var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .missingFile(let file, let flag): (file, "no such file (give its path with \(flag))")
        case .noMNIST(let searched):
            (nil, "MNIST not found (looked in \(searched.joined(separator: ", "))); give --mnist DIR or --download")
        case .badInput(let file, let reason): (file, reason)
        case .badOption(let message): (nil, message)
        }
    }
}

/// The line the command prints for `error` (after `weightbridge: `): the library's message, then the flag that fixes
/// the problem where there is one. Library errors say what is missing and never name a flag; only the command line
/// knows its flags, so it adds them here, once for the whole chain of causes.
func commandLineMessage(for error: Error) -> String {
    let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
    var link: Error? = error
    for _ in 0..<16 {
        guard let current = link else { break }
        if let hint = flagHint(for: current) { return message + hint }
        link = (current as? WeightBridgeError)?.underlyingError
    }
    return message
}

/// What to append to the message of a library error that one of the command's flags resolves, or nil.
private func flagHint(for error: Error) -> String? {
    switch error {
    case SafeIOError.exists: " (give --force to replace it)"
    case BridgeError.noArchitecture: "; give --architecture FILE (Keras JSON/YAML or a full-model .h5)"
    case BridgeError.unknownInputShape: "; give --input-shape"
    case BridgeError.unknownBackend: "; give --backend theano or --backend tensorflow"
    default: nil
    }
}

/// Fails with a message naming the flag when `path` does not exist, and at once (without blocking) when it is not a
/// regular file after resolving symlinks: a FIFO, a device such as `/dev/zero`, a directory (`InputFile.check`).
func requireFile(_ path: String, flag: String) throws -> URL {
    guard FileManager.default.fileExists(atPath: path) else { throw CLIError.missingFile(file: path, flag: flag) }
    let url = URL(fileURLWithPath: path)
    try InputFile.check(url)
    return url
}

/// Fails at once when an output path exists and is not a regular file (`/dev/full`, a FIFO, a directory): outputs
/// are written as a temporary file renamed over the target, which such a path cannot take. Returns its URL.
func requireOutput(_ path: String) throws -> URL {
    let url = URL(fileURLWithPath: path)
    var info = stat()
    guard stat(path, &info) == 0 else { return url }  // does not exist yet (or a dangling symlink): written new
    do {
        try InputFile.check(url)
    } catch SafeIOError.notRegularFile(_, let kind) {
        throw CLIError.badInput(
            file: path, reason: "is \(kind), not a regular file; refused as an output (outputs are written as new regular files)")
    } catch {
        // Unreadable but existing regular files are left to the write itself, which reports its own reason.
    }
    return url
}

/// Writes one line to standard error, made printable: control and bidi characters escaped, cut at
/// `PrintableText.lineLimit` (the last defence against a value from a file that reached a message unescaped).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((PrintableText.line(line) + "\n").utf8))
}
