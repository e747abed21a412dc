import ArgumentParser
import Foundation
import WeightBridge

/// `--mnist DIR` and `--download`: where MNIST comes from.
struct MNISTOptions: ParsableArguments {
    @Option(
        name: .customLong("mnist"),
        help: ArgumentHelp(
            "Directory with the four MNIST IDX files (.gz or raw) or Keras' mnist.npz. Default: the project's Fixtures/mnist when run from a clone, else the download cache.",
            valueName: "dir"))
    var directory: String?

    @Flag(
        help: "Download MNIST into the cache (~/.cache/weightbridge/mnist or $WEIGHTBRIDGE_CACHE) when it is not found, checking SHA-256.")
    var download = false

    /// Loads MNIST from the first place that has it.
    func load() throws -> MNISTDataset {
        if let directory {
            let url = URL(fileURLWithPath: directory)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue else {
                throw CLIError.badInput(file: directory, reason: "no such directory (--mnist)")
            }
            return try MNISTDataset.load(directory: url)
        }
        let locator = MNISTLocator()
        if let found = locator.find() { return try MNISTDataset.load(directory: found) }
        guard download else { throw CLIError.noMNIST(searched: locator.directories.map(\.path)) }
        let bar = ProgressBar(label: "MNIST")
        let dir = try MNISTDownloader(
            mirrors: MNISTDownloader.defaultMirrors, cacheDirectory: locator.cache, checksums: MNISTDownloader.mnistChecksums
        ).ensureFiles { name, done, total in
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
/// `--max-config-depth`, `--max-layers`: the `ResourceLimits` every file read by a command is checked against before allocating.
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

    @Option(help: ArgumentHelp("Most layers in one Keras model configuration (default 100000).", valueName: "n"))
    var maxLayers: Int?

    func validate() throws {
        if let maxInflateRatio, maxInflateRatio == 0 { throw ValidationError("--max-inflate-ratio must be at least 1") }
        if let maxConfigDepth, maxConfigDepth < 1 { throw ValidationError("--max-config-depth must be at least 1") }
        if let maxLayers, maxLayers < 1 { throw ValidationError("--max-layers must be at least 1") }
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
        if let maxLayers { l.maxLayers = maxLayers }
        return l
    }
}

/// Options that give a model file its meaning (`--architecture`, `--activations`, `--orientation`).
struct ModelOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Architecture for a weights-only .h5: a Keras model JSON (to_json), YAML (to_yaml) or a full-model .h5.", valueName: "file"))
    var architecture: String?

    @Option(
        help: ArgumentHelp(
            "Activations of an MLP .npz's layers, comma-separated (relu,sigmoid,tanh,softmax,linear). Default: relu on hidden layers, softmax on the output.",
            valueName: "list"))
    var activations: String?

    @Option(help: ArgumentHelp("Orientation of an MLP .npz's weight matrices when ambiguous: in,out or out,in.", valueName: "order"))
    var orientation: String?

    @Option(
        help: ArgumentHelp(
            "Backend a Keras file's weights were trained under when the file does not record it (Keras 1): theano (convolution kernels are flipped) or tensorflow.",
            valueName: "name"))
    var backend: String?

    @Option(
        help: ArgumentHelp(
            "Input shape without the batch axis, comma-separated (e.g. 28,28,1), when the architecture declares none.", valueName: "dims"))
    var inputShape: String?

    /// The import options the flags describe; libhdf5 parses the files in a child process (`ReadH5Child.reader`).
    func importOptions(limits: ResourceLimits = .default) throws -> ModelFile.ImportOptions {
        var o = ModelFile.ImportOptions(limits: limits, isolation: ReadH5Child.reader)
        if let architecture { o.architecture = try requireFile(architecture, flag: "--architecture") }
        if let activations {
            o.activations = try activations.split(separator: ",").map {
                guard let a = Activation(rawValue: $0.trimmingCharacters(in: .whitespaces)) else {
                    throw CLIError.badOption("--activations: unknown activation '\($0)' (use relu, sigmoid, tanh, softmax, linear)")
                }
                return a
            }
        }
        if let orientation {
            guard let v = MLPArchive.Orientation(rawValue: orientation) else {
                throw CLIError.badOption("--orientation: '\(orientation)' is neither in,out nor out,in")
            }
            o.orientation = v
        }
        if let backend {
            guard ["theano", "tensorflow"].contains(backend) else {
                throw CLIError.badOption("--backend: '\(backend)' is neither theano nor tensorflow")
            }
            o.backend = backend
        }
        if let inputShape {
            let dims = inputShape.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw CLIError.badOption("--input-shape: '\(inputShape)' is not a list of positive integers such as 28,28,1")
            }
            o.inputShape = dims.compactMap { $0 }
        }
        return o
    }

    func load(_ path: String, flag: String = "the MODEL argument", limits: ResourceLimits = .default) throws -> ImportedModel {
        try ModelFile.load(try requireFile(path, flag: flag), options: try importOptions(limits: limits))
    }
}

/// `--data`, `--x-name`, `--y-name`, `--x`, `--y` and the preprocessing `--scale`, `--reshape`, `--dtype`: a labelled
/// test set of the user's own, for `verify` and `evaluate`.
struct DatasetOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Test set: an .npz holding the features and the labels (members x and y unless renamed).", valueName: "file"))
    var data: String?

    @Option(help: ArgumentHelp("The features' member of the --data archive.", valueName: "name"))
    var xName = "x"

    @Option(help: ArgumentHelp("The labels' member of the --data archive: class indices or one-hot rows.", valueName: "name"))
    var yName = "y"

    @Option(name: .customLong("x"), help: ArgumentHelp("Test features as an .npy (with --y instead of --data).", valueName: "file"))
    var xFile: String?

    @Option(name: .customLong("y"), help: ArgumentHelp("Test labels as an .npy: class indices or one-hot rows.", valueName: "file"))
    var yFile: String?

    @Option(help: ArgumentHelp("Scale the features: a factor (0.00392156862745098) or 1/N (1/255).", valueName: "factor"))
    var scale: String?

    @Option(help: ArgumentHelp("Shape of one sample, comma-separated (28,28,1).", valueName: "dims"))
    var reshape: String?

    @Option(help: ArgumentHelp("Element type the model receives: float32.", valueName: "type"))
    var dtype = "float32"

    /// Whether any dataset of the user's own was given.
    var given: Bool { data != nil || xFile != nil || yFile != nil }

    func validate() throws {
        if data != nil && (xFile != nil || yFile != nil) { throw ValidationError("give either --data or --x and --y, not both") }
        if (xFile == nil) != (yFile == nil) { throw ValidationError("--x and --y go together") }
        if scale != nil || reshape != nil, !given { throw ValidationError("--scale and --reshape apply to --data or --x/--y") }
        _ = try preprocessing()
    }

    /// The preprocessing the flags describe.
    func preprocessing() throws -> Preprocessing {
        var parsedScale: Preprocessing.Scale?
        if let scale {
            guard let s = Preprocessing.Scale(scale) else {
                throw ValidationError("--scale '\(scale)' is neither a factor such as 0.0625 nor 1/N such as 1/255")
            }
            parsedScale = s
        }
        var dims: [Int]?
        if let reshape {
            let parsed = reshape.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--reshape '\(reshape)' is not a list of positive sizes such as 28,28,1")
            }
            dims = parsed.compactMap { $0 }
        }
        guard Preprocessing.supportedDTypes.contains(dtype) else {
            throw ValidationError("--dtype '\(dtype)' is not supported; use float32")
        }
        return try Preprocessing(scale: parsedScale, reshape: dims, dtype: dtype)
    }

    /// The dataset the flags name, nil when none was given.
    func source() throws -> DatasetSource? {
        if let data { return .npz(try requireFile(data, flag: "--data"), xName: xName, yName: yName) }
        if let xFile, let yFile { return .arrays(x: try requireFile(xFile, flag: "--x"), y: try requireFile(yFile, flag: "--y")) }
        return nil
    }
}
