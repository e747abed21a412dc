import Foundation
import WeightBridge

/// Errors the command line itself detects (missing files, bad option values).
enum CLIError: Error, LocalizedError {
    case missingFile(path: String, flag: String)
    case noMNIST(searched: [String])
    case badInput(path: String, reason: String)
    case badOption(String)

    var errorDescription: String? {
        switch self {
        case .missingFile(let path, let flag):
            return "\(path): no such file (give its path with \(flag))"
        case .noMNIST(let searched):
            return "MNIST not found (looked in \(searched.joined(separator: ", "))); give --mnist DIR or --download"
        case .badInput(let path, let reason):
            return "\(path): \(reason)"
        case .badOption(let message):
            return message
        }
    }
}

/// Fails with a message naming the flag when `path` does not exist, and at once (without blocking) when it is not a
/// regular file after resolving symlinks: a FIFO, a device such as `/dev/zero`, a directory (`InputFile.check`).
func requireFile(_ path: String, flag: String) throws -> URL {
    guard FileManager.default.fileExists(atPath: path) else { throw CLIError.missingFile(path: path, flag: flag) }
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
            path: path, reason: "is \(kind), not a regular file; refused as an output (outputs are written as new regular files)")
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
