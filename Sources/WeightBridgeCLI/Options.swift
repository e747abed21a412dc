import ArgumentParser
import Foundation
import WeightBridge

/// `--mnist DIR` and `--download`: where MNIST comes from.
struct MNISTOptions: ParsableArguments {
    @Option(name: .customLong("mnist"), help: ArgumentHelp(
        "Directory with the four MNIST IDX files (.gz or raw) or Keras' mnist.npz. Default: the project's Fixtures/mnist when run from a clone, else the download cache.",
        valueName: "dir"))
    var directory: String?

    @Flag(help: "Download MNIST into the cache (~/.cache/weightbridge/mnist or $WEIGHTBRIDGE_CACHE) when it is not found, checking SHA-256.")
    var download = false

    /// Loads MNIST from the first place that has it.
    func load() throws -> MNISTDataset {
        if let directory {
            let url = URL(fileURLWithPath: directory)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
                throw CLIError.badInput(path: directory, reason: "no such directory (--mnist)")
            }
            return try MNISTDataset.load(directory: url)
        }
        var searched: [String] = []
        for candidate in ProjectPaths.candidates("Fixtures/mnist") {
            searched.append(candidate.path)
            if MNISTDataset.filesPresent(in: candidate) {
                return try MNISTDataset.load(directory: candidate)
            }
        }
        let cache = MNISTDownloader.defaultCacheDirectory
        searched.append(cache.path)
        if MNISTDataset.filesPresent(in: cache) {
            return try MNISTDataset.load(directory: cache)
        }
        guard download else { throw CLIError.noMNIST(searched: searched) }
        let bar = ProgressBar(label: "MNIST")
        let dir = try MNISTDownloader(mirrors: MNISTDownloader.defaultMirrors, cacheDirectory: cache, checksums: MNISTDownloader.mnistChecksums).ensureFiles { name, done, total in
            bar.update(text: name, fraction: total.map { Double(done) / Double(max($0, 1)) })
        }
        bar.finish(text: "downloaded to \(dir.path)")
        return try MNISTDataset.load(directory: dir)
    }
}

/// `--json`.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print machine-readable JSON on stdout instead of the human report.")
    var json = false
}

/// Files that ship with the project, found from the working directory or the executable's location
/// (`.build/release/weightbridge` sits three levels below the clone).
enum ProjectPaths {
    static func candidates(_ relative: String) -> [URL] {
        var roots: [URL] = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            roots.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        var seen = Set<String>()
        return roots.map { $0.appendingPathComponent(relative).standardizedFileURL }.filter { seen.insert($0.path).inserted }
    }

    /// The first existing candidate, or nil.
    static func find(_ relative: String) -> URL? {
        candidates(relative).first { FileManager.default.fileExists(atPath: $0.path) }
    }
}

/// Encodes a value as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

/// Writes text to a file atomically.
func writeText(_ text: String, to path: String, overwrite: Bool = true) throws {
    try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: path), overwrite: overwrite)
}
