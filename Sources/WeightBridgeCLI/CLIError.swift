import Foundation

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

/// Fails with a message naming the flag when `path` does not exist.
func requireFile(_ path: String, flag: String) throws -> URL {
    guard FileManager.default.fileExists(atPath: path) else { throw CLIError.missingFile(path: path, flag: flag) }
    return URL(fileURLWithPath: path)
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
