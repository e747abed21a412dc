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

/// A byte count or count given on the command line: a plain integer or one with a binary suffix
/// (`512K`, `512M`, `8G`, `1T`; `KiB`/`KB`/`k` spellings too, all powers of 1024). Anything else is a usage error.
struct ByteSize: ExpressibleByArgument {
    let value: UInt64

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = UInt64(digits) else { return nil }
        let shifts: [String: UInt64] = ["": 0, "K": 10, "M": 20, "G": 30, "T": 40]
        var suffix = text.dropFirst(digits.count).uppercased()
        for ending in ["IB", "B"] where suffix.count > 1 && suffix.hasSuffix(ending) {
            suffix = String(suffix.dropLast(ending.count))
            break
        }
        guard let shift = shifts[suffix] else { return nil }
        let (scaled, overflow) = number.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow else { return nil }
        value = scaled
    }
}

/// `--max-array-bytes`, `--max-total-bytes`, `--max-inflate-ratio`, `--max-members`, `--max-config-bytes`,
/// `--max-config-depth`: the `ResourceLimits` every file read by a command is checked against before allocating.
struct LimitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Largest single array a file may declare (default 4 GiB). Accepts 100K, 512M, 8G.", valueName: "bytes"))
    var maxArrayBytes: ByteSize?

    @Option(help: ArgumentHelp("Largest total of all arrays of one archive or model (default 16 GiB).", valueName: "bytes"))
    var maxTotalBytes: ByteSize?

    @Option(help: ArgumentHelp("Largest inflated/compressed ratio of an .npz member (default 1100).", valueName: "ratio"))
    var maxInflateRatio: UInt64?

    @Option(help: ArgumentHelp("Most members in one archive, objects in one HDF5 listing (default 65536, or 64K).", valueName: "n"))
    var maxMembers: ByteSize?

    @Option(help: ArgumentHelp("Largest Keras model configuration, JSON or YAML (default 64 MiB).", valueName: "bytes"))
    var maxConfigBytes: ByteSize?

    @Option(help: ArgumentHelp("Deepest nesting of a Keras model configuration (default 64).", valueName: "levels"))
    var maxConfigDepth: Int?

    func validate() throws {
        if let maxInflateRatio, maxInflateRatio == 0 { throw ValidationError("--max-inflate-ratio must be at least 1") }
        if let maxConfigDepth, maxConfigDepth < 1 { throw ValidationError("--max-config-depth must be at least 1") }
        for (flag, value) in [("--max-members", maxMembers?.value), ("--max-config-bytes", maxConfigBytes?.value)] {
            if let value, value > UInt64(Int.max) { throw ValidationError("\(flag) \(value) is too large") }
        }
    }

    /// The defaults with every given flag applied.
    var limits: ResourceLimits {
        var l = ResourceLimits.default
        if let maxArrayBytes { l.maxArrayBytes = maxArrayBytes.value }
        if let maxTotalBytes { l.maxTotalBytes = maxTotalBytes.value }
        if let maxInflateRatio { l.maxInflateRatio = maxInflateRatio }
        if let maxMembers { l.maxMembers = Int(clamping: maxMembers.value) }
        if let maxConfigBytes { l.maxConfigBytes = Int(clamping: maxConfigBytes.value) }
        if let maxConfigDepth { l.maxConfigDepth = maxConfigDepth }
        return l
    }
}
