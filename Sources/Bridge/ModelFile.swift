import Foundation
import KerasFormat
import NeuralNet
import NumPyFormat
import SafeIO

/// Loads and saves whole models by file extension: `.h5`/`.hdf5` are Keras HDF5 files,
/// `.npz` is a NumPy MLP archive (the seed layout `W1 b1 ...`).
public enum ModelFile {
    /// Options that give a weights-only or ambiguous file its meaning.
    public struct ImportOptions: Sendable {
        /// A Keras architecture for a weights-only `.h5`: a full-model `.h5`, a Keras JSON (`to_json()`) or YAML
        /// (`to_yaml()`) file.
        public var architecture: URL?
        /// Activations for the layers of an MLP `.npz` (default: ReLU hidden, softmax output).
        public var activations: [Activation]?
        /// Orientation of MLP weight matrices, when the archive leaves it ambiguous.
        public var orientation: MLPArchive.Orientation?
        /// The Keras backend the weights were trained under (`theano` or `tensorflow`) when the file does not say;
        /// the file's own `backend` attribute always wins.
        public var backend: String?
        /// The input shape (without the batch axis) when the architecture declares none.
        public var inputShape: [Int]?
        /// What the model file and the architecture file may make WeightBridge allocate (array and total bytes,
        /// configuration size and depth, archive members), checked before reading.
        public var limits: ResourceLimits
        /// Where libhdf5 parses the `.h5` files of the import (the model, a `.keras` archive's weights, an `.h5`
        /// architecture): in this process (the default), or in a child process that a hostile file can crash.
        public var isolation: KerasReadIsolation
        public init(
            architecture: URL? = nil, activations: [Activation]? = nil, orientation: MLPArchive.Orientation? = nil,
            backend: String? = nil, inputShape: [Int]? = nil, limits: ResourceLimits = .default,
            isolation: KerasReadIsolation = .inProcess
        ) {
            self.architecture = architecture
            self.activations = activations
            self.orientation = orientation
            self.backend = backend
            self.inputShape = inputShape
            self.limits = limits
            self.isolation = isolation
        }
    }

    /// Whether `url` is a Keras HDF5 file: by content (`FileKind`) when it exists, else by its extension.
    public static func isKeras(_ url: URL) -> Bool { kind(url) == .hdf5 }
    /// Whether `url` is a NumPy archive: by content when it exists, else by its extension.
    public static func isNPZ(_ url: URL) -> Bool { kind(url) == .npz }

    /// The file's kind by content when it can be read, else by its extension (output paths).
    private static func kind(_ url: URL) -> FileKind? {
        guard FileManager.default.fileExists(atPath: url.path), let kind = try? FileKind.detect(url) else {
            return FileKind.byExtension(url)
        }
        return kind
    }

    /// Imports the model in `url`, under `options.limits`.
    public static func load(_ url: URL, options: ImportOptions = ImportOptions()) throws -> ImportedModel {
        if isNPZ(url) {
            return try MLPArchive.importModel(
                url, activations: options.activations, orientation: options.orientation, limits: options.limits)
        }
        if kind(url) == .kerasArchive {
            let archive = try KerasArchive.read(url, limits: options.limits, isolation: options.isolation)
            guard
                let config = try options.architecture.map({
                    try architecture(from: $0, limits: options.limits, isolation: options.isolation)
                }) ?? archive.modelConfig
            else {
                throw BridgeError.noArchitecture(file: url.path)
            }
            return try KerasBridge.importModel(
                weights: archive.weights, config: config, source: url, kerasVersion: archive.kerasVersion, inputShape: options.inputShape)
        }
        guard isKeras(url) else {
            if FileManager.default.fileExists(atPath: url.path), let found = kind(url) {
                throw FileKindError.wrongKind(
                    file: url.path, found: found,
                    expected: "a Keras .h5 model or an MLP .npz (model import from other formats is not built yet)")
            }
            throw BridgeError.unsupportedModelFile(file: url.path)
        }
        return try load(try KerasModelFile.read(url, limits: options.limits, isolation: options.isolation), from: url, options: options)
    }

    /// Imports a Keras file that was already read from `url` (for example by `KerasModelFile.readOrList`), so a
    /// caller that shows the file's contents and its model parses the `.h5` once. `options.architecture` replaces
    /// the file's own configuration, as in `load(_:options:)`; the other options apply the same way.
    public static func load(_ file: KerasModelFile, from url: URL, options: ImportOptions = ImportOptions()) throws -> ImportedModel {
        let config = try configuration(of: file, from: url, options: options)
        if let tree = try keras3WeightsTree(of: file, from: url, options: options) {
            return try KerasBridge.importModel(
                weights: tree, config: config, source: url, kerasVersion: file.kerasVersion, inputShape: options.inputShape)
        }
        return try KerasBridge.importModel(file, config: config, source: url, backend: options.backend, inputShape: options.inputShape)
    }

    /// What `load(_:from:options:)` would import from `file`, described without building the model (`ModelDescription`,
    /// the same checks and errors): `file`'s weights may be listed with empty values (`KerasModelFile.openWeightStream`).
    /// A Keras 3 weights-only file (`layers/.../vars/i`) is matched by the saving walk's paths, as `load` matches it,
    /// from its weights tree read whole.
    public static func describe(_ file: KerasModelFile, from url: URL, options: ImportOptions = ImportOptions()) throws -> ModelDescription
    {
        let config = try configuration(of: file, from: url, options: options)
        if let tree = try keras3WeightsTree(of: file, from: url, options: options) {
            return try KerasBridge.describeModel(
                weights: tree, config: config, source: url, kerasVersion: file.kerasVersion, inputShape: options.inputShape)
        }
        return try KerasBridge.describeModel(file, config: config, source: url, backend: options.backend, inputShape: options.inputShape)
    }

    /// The configuration `load` and `describe` use for `file`: `options.architecture` when given, else the file's own.
    private static func configuration(of file: KerasModelFile, from url: URL, options: ImportOptions) throws -> KerasModelConfig {
        if let arch = options.architecture {
            return try architecture(from: arch, limits: options.limits, isolation: options.isolation)
        }
        guard let config = file.modelConfig else { throw BridgeError.noArchitecture(file: url.path) }
        return config
    }

    /// For a Keras 3 `save_weights` file (no configuration of its own, `layers/.../vars/i` paths), its weights tree,
    /// matched by the saving walk's paths as Keras does; nil for every other file.
    private static func keras3WeightsTree(of file: KerasModelFile, from url: URL, options: ImportOptions) throws -> KerasWeightTree? {
        guard file.modelConfig == nil, file.isKeras3WeightsLayout else { return nil }
        return try KerasWeightTree.read(url, limits: options.limits, isolation: options.isolation)
    }

    /// Reads a Keras architecture from a JSON file (`model.to_json()`), a YAML file (`model.to_yaml()`, `.yaml` or
    /// `.yml`) or a full-model `.h5` or `.keras` (parsed by libhdf5 as `isolation` says). Files over
    /// `limits.maxConfigBytes` are refused before reading.
    public static func architecture(from url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> KerasModelConfig
    {
        if kind(url) == .kerasArchive {
            guard let c = try KerasArchive.read(url, limits: limits, isolation: isolation).modelConfig else {
                throw BridgeError.noArchitecture(file: url.path)
            }
            return c
        }
        if isKeras(url) {
            guard let c = try KerasModelFile.read(url, limits: limits, isolation: isolation).modelConfig else {
                throw BridgeError.noArchitecture(file: url.path)
            }
            return c
        }
        let data: Data
        do {
            // Refuses FIFOs, devices and directories before reading, and files over the limit before allocating.
            data = try InputFile.readAll(url, maxBytes: UInt64(max(0, limits.maxConfigBytes)))
        } catch SafeIOError.limitExceeded(_, _, let size, let limit, let unit) {
            throw KerasFormatError.invalidConfig(file: url.path, reason: "is " + ResourceLimits.overLimit(size, limit: limit, unit: unit))
        }
        if kind(url) == .yaml {
            return try KerasModelConfig.parse(yaml: String(decoding: data, as: UTF8.self), source: url.path, limits: limits)
        }
        return try KerasModelConfig.parse(json: data, source: url.path, limits: limits)
    }

    /// The arrays an `.npz` export holds: the seed MLP layout (`W1 b1 ...`, in the model's precision)
    /// for models of Dense layers, else Keras-named weights (`conv2d/kernel`, `conv2d/bias`, ...) as float32.
    public static func npzArrays(_ model: LoadedModel, layerNames: [String]? = nil, path: String) throws -> [(
        name: String, array: NPYArray
    )] {
        let denseOnly = model.specs.allSatisfy {
            switch $0 {
            case .dense, .flatten, .dropout: return true
            default: return false
            }
        }
        if denseOnly && model.inputShape.count == 1 { return try MLPArchive.exportArrays(model, path: path) }
        let (_, weights) = try KerasBridge.exportModel(model, layerNames: layerNames)
        return weights.flatMap { layer in
            layer.weights.map { (name: "\(layer.layerName)/\($0.name)", array: NPYArray(shape: $0.shape, float32: $0.values)) }
        }
    }

    /// Saves `model` to `url`: `.npz` (see `npzArrays`), `.h5` as a Keras model (Keras 3 layout by default,
    /// `flavor: .keras2` for tf-keras 2.x), `.keras` as a Keras 3 archive. Written atomically.
    public static func save(
        _ model: LoadedModel, layerNames: [String]? = nil, to url: URL, flavor: KerasFlavor = .keras3,
        overwrite: Bool = true
    ) throws {
        if FileKind.byExtension(url) == .npz {
            try NPZWriter.write(
                try npzArrays(model, layerNames: layerNames, path: url.path), to: url, compressed: false, overwrite: overwrite)
        } else if FileKind.byExtension(url) == .hdf5 {
            let (config, weights) = try KerasBridge.exportModel(model, layerNames: layerNames)
            try KerasModelFile.write(config: config, weights: weights, to: url, flavor: flavor, overwrite: overwrite)
        } else if FileKind.byExtension(url) == .kerasArchive {
            // Keras 3's own format: config.json, metadata.json and model.weights.h5 at the saving walk's paths.
            let (config, weights) = try KerasBridge.exportModel(model, layerNames: layerNames)
            let contents = try config.kerasArchiveContents(weights: weights)
            try KerasArchive.write(
                configJSON: contents.configJSON, metadataJSON: KerasArchive.metadataJSON(kerasVersion: KerasFlavor.keras3.formatVersion),
                weights: contents.weights, to: url, overwrite: overwrite)
        } else {
            throw BridgeError.unsupportedModelFile(file: url.path)
        }
    }
}
