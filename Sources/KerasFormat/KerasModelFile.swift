import Foundation
import HDF5
import SafeIO

/// A Keras model or weights file in the legacy HDF5 format, read into memory.
///
/// Layouts read: a full model (`model.save("x.h5")`: root attributes `keras_version`, `backend`, `model_config`,
/// `training_config`, weights under `model_weights/`), a tf.keras weights file (`save_weights("x.h5")`: layer
/// groups at the root) and a Keras 3 weights file (`save_weights("x.weights.h5")`: `layers/<name>/vars/<i>`).
/// Weights are taken in the order of each layer's `weight_names` (paths relative to the layer group), never by
/// parsing their names. `layer_names`/`weight_names` split into `name0`, `name1`, ... (over 64 KB) are joined.
public struct KerasModelFile: Sendable {
    public var kerasVersion: String?
    public var backend: String?
    /// The architecture; nil for weights-only files.
    public var modelConfig: KerasModelConfig?
    /// The `training_config` JSON as stored (never interpreted).
    public var trainingConfigJSON: String?
    /// Whether the file holds optimizer state (`optimizer_weights/`); WeightBridge never reads or writes it.
    public var hasOptimizerWeights: Bool
    /// Every layer in `layer_names` order, including layers without weights (then `weights` is empty).
    public var layerWeights: [KerasLayerWeights]
    /// The `model_config` attribute exactly as stored, when the file was read (sent back by the isolated reader).
    var modelConfigJSON: String?

    public init(
        kerasVersion: String?, backend: String?, modelConfig: KerasModelConfig?, trainingConfigJSON: String?,
        hasOptimizerWeights: Bool, layerWeights: [KerasLayerWeights]
    ) {
        self.kerasVersion = kerasVersion
        self.backend = backend
        self.modelConfig = modelConfig
        self.trainingConfigJSON = trainingConfigJSON
        self.hasOptimizerWeights = hasOptimizerWeights
        self.layerWeights = layerWeights
    }

    /// The weights of layer `name`, or nil when the file has no such layer.
    public func weights(forLayer name: String) -> [KerasWeight]? {
        layerWeights.first { $0.layerName == name }?.weights
    }

    /// Reads `url`. Throws `HDF5Error` for files libhdf5 or the HDF5 checks refuse, and `KerasFormatError` for
    /// non-Keras files, a `model_weights/` without `model_config`, unsupported configurations, missing weights,
    /// and weights whose count or shapes disagree with the configuration. Total weight bytes are bounded by
    /// `limits.maxTotalBytes`.
    /// With `isolation` `.childProcess`, libhdf5 runs in a child process and its crashes, hangs and leaks become
    /// `KerasFormatError.readerCrashed`/`.readerTimedOut`.
    public static func read(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> KerasModelFile
    {
        try InputFile.check(url)  // before a child is started for it
        switch isolation {
        case .inProcess: return try readInProcess(url, limits: limits)
        case .childProcess(let reader):
            guard case .keras(let file) = try reader.read(url, mode: .keras, limits: limits) else {
                throw KerasFormatError.readerFailed(file: url.path, reason: "answered a Keras read with an HDF5 listing")
            }
            return file
        }
    }

    /// Reads `url` as a Keras file or, when it is an HDF5 file without a Keras layout (`notAKerasFile`), lists its
    /// objects (`HDF5File.treeDescription`). Isolated like `read`.
    public static func readOrList(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> KerasFileContents
    {
        try InputFile.check(url)  // before a child is started for it
        switch isolation {
        case .inProcess: return try readOrListInProcess(url, limits: limits)
        case .childProcess(let reader): return try reader.read(url, mode: .kerasOrList, limits: limits)
        }
    }

    static func readOrListInProcess(_ url: URL, limits: ResourceLimits) throws -> KerasFileContents {
        do {
            return .keras(try readInProcess(url, limits: limits))
        } catch let error as KerasFormatError {
            guard case .notAKerasFile = error else { throw error }
            let file = try HDF5File.open(url, limits: limits)
            defer { try? file.close() }
            return .hdf5(tree: try file.treeDescription(), reason: error.localizedDescription)
        }
    }

    static func readInProcess(_ url: URL, limits: ResourceLimits) throws -> KerasModelFile {
        let file = try HDF5File.open(url, limits: limits)
        defer { try? file.close() }
        let root = file.root
        let source = url.path
        var result = KerasModelFile(
            kerasVersion: try root.stringAttribute("keras_version"), backend: try root.stringAttribute("backend"),
            modelConfig: nil, trainingConfigJSON: try root.stringAttribute("training_config"),
            hasOptimizerWeights: false, layerWeights: [])
        let children = try root.children()
        let groups = Set(children.filter { $0.kind == .group }.map(\.name))
        result.hasOptimizerWeights = groups.contains("optimizer_weights") || groups.contains("optimizer")
        let json: String?
        do {
            json = try root.stringAttribute("model_config", maxBytes: UInt64(max(0, limits.maxConfigBytes)))
        } catch HDF5Error.limitExceeded(_, _, _, let bytes, let limit) {
            throw KerasFormatError.invalidConfig(file: source, reason: "is " + ResourceLimits.overLimit(bytes, limit: limit, unit: "bytes"))
        }
        if let json {
            result.modelConfigJSON = json
            result.modelConfig = try KerasModelConfig.parse(
                json: Data(json.utf8), source: source, limits: limits, kerasVersion: result.kerasVersion)
        }
        var budget = WeightBudget(limit: limits.maxTotalBytes, source: source)
        if groups.contains("model_weights") {
            guard result.modelConfig != nil else { throw KerasFormatError.missingModelConfig(file: source) }
            let weightsRoot = try root.group("model_weights")
            result.layerWeights = try readLayerGroups(weightsRoot, source: source, budget: &budget)
            if result.kerasVersion == nil { result.kerasVersion = try weightsRoot.stringAttribute("keras_version") }
            if result.backend == nil { result.backend = try weightsRoot.stringAttribute("backend") }
        } else if try KerasAttributes.readStrings(root, "layer_names") != nil {
            result.layerWeights = try readLayerGroups(root, source: source, budget: &budget)
        } else if groups.contains("layers") {
            result.layerWeights = try readKeras3WeightsLayout(try root.group("layers"), source: source, budget: &budget)
        } else if !groups.isEmpty, groups.allSatisfy({ $0.hasPrefix("layer_") && Int($0.dropFirst(6)) != nil }) {
            throw KerasFormatError.undefinedMeaning(
                file: source,
                reason: "is a Keras 0.x weights file (groups layer_0, layer_1, ... of param_0, param_1, ...), which records "
                    + "no layer names, Keras version or backend: which layer each array belongs to, and whether its "
                    + "convolution kernels were trained under Theano (flipped) or TensorFlow, cannot be known")
        } else if result.modelConfig == nil {
            let found = children.isEmpty ? "an empty file" : "top-level objects [\(children.prefix(8).map(\.name).joined(separator: ", "))]"
            throw KerasFormatError.notAKerasFile(file: source, found: found)
        }
        try result.validateWeightsAgainstConfig(source: source)
        return result
    }

    /// Checks the weights' count and shapes against the configuration, when both are present and the input shape is known.
    func validateWeightsAgainstConfig(source: String) throws {
        if let config = modelConfig, config.inputShape != nil, !layerWeights.isEmpty {
            try config.validate(weights: layerWeights, source: source)
        }
    }

    /// Layer groups listed in `layer_names`, each with `weight_names`; plus `top_level_model_weights` when it holds weights.
    private static func readLayerGroups(_ group: HDF5Group, source: String, budget: inout WeightBudget) throws -> [KerasLayerWeights] {
        guard let layerNames = try KerasAttributes.readStrings(group, "layer_names") else {
            throw KerasFormatError.missingWeights(file: source, layer: group.path, detail: "has no layer_names attribute")
        }
        var layers: [KerasLayerWeights] = []
        for name in layerNames {
            guard try group.contains(name) else {
                throw KerasFormatError.missingWeights(
                    file: source, layer: name, detail: "listed in layer_names but has no group in \(group.path)")
            }
            layers.append(try readLayer(try group.group(name), name: name, source: source, budget: &budget))
        }
        if !layerNames.contains("top_level_model_weights"), try group.contains("top_level_model_weights") {
            let top = try readLayer(
                try group.group("top_level_model_weights"), name: "top_level_model_weights", source: source, budget: &budget)
            if !top.weights.isEmpty { layers.append(top) }
        }
        return layers
    }

    private static func readLayer(_ group: HDF5Group, name: String, source: String, budget: inout WeightBudget) throws -> KerasLayerWeights
    {
        let weightNames = try KerasAttributes.readStrings(group, "weight_names") ?? []
        var weights: [KerasWeight] = []
        for weightName in weightNames {
            guard try group.contains(weightName) else {
                throw KerasFormatError.missingWeights(
                    file: source, layer: name, detail: "weight '\(weightName)' is listed in weight_names but missing")
            }
            weights.append(try readWeight(try group.dataset(weightName), name: weightName, budget: &budget))
        }
        return KerasLayerWeights(layerName: name, weights: weights)
    }

    /// Keras 3 `.weights.h5`: `layers/<layer>/vars/<0, 1, ...>`, layers in name order (the file records no other).
    private static func readKeras3WeightsLayout(_ layersGroup: HDF5Group, source: String, budget: inout WeightBudget) throws
        -> [KerasLayerWeights]
    {
        var layers: [KerasLayerWeights] = []
        for (name, kind) in try layersGroup.children() where kind == .group {
            let layer = try layersGroup.group(name)
            var weights: [KerasWeight] = []
            if try layer.contains("vars") {
                let vars = try layer.group("vars")
                let indices = try vars.children().compactMap { Int($0.name) }.sorted()
                guard indices == Array(0..<indices.count) else {
                    throw KerasFormatError.missingWeights(
                        file: source, layer: name, detail: "vars are numbered \(indices), expected 0..<\(indices.count)")
                }
                for index in indices {
                    weights.append(try readWeight(try vars.dataset(String(index)), name: "vars/\(index)", budget: &budget))
                }
            }
            layers.append(KerasLayerWeights(layerName: name, weights: weights))
        }
        return layers
    }

    private static func readWeight(_ dataset: HDF5Dataset, name: String, budget: inout WeightBudget) throws -> KerasWeight {
        try budget.take(dataset.count, what: dataset.path)
        return KerasWeight(name: name, shape: dataset.shape, values: try dataset.readFloats())
    }
}

/// The running total of weight bytes read from one file, against `ResourceLimits.maxTotalBytes`.
struct WeightBudget {
    let limit: UInt64
    let source: String
    var used: UInt64 = 0

    mutating func take(_ count: Int, what: String) throws {
        let (bytes, overflow) = UInt64(count).multipliedReportingOverflow(by: 4)
        let (total, overflow2) = used.addingReportingOverflow(bytes)
        if overflow || overflow2 || total > limit {
            throw SafeIOError.limitExceeded(
                file: source, what: "weights up to \(what)", value: overflow || overflow2 ? UInt64.max : total, limit: limit, unit: "bytes")
        }
        used = total
    }
}

extension KerasModelFile {
    /// Whether the weights came from a Keras 3 `save_weights` layout (`layers/<path>/vars/<i>`), whose layers are
    /// matched by Keras 3's saving walk (`KerasWeightTree`) rather than by the group names listed here.
    public var isKeras3WeightsLayout: Bool {
        layerWeights.contains { $0.weights.contains { $0.name.hasPrefix("vars/") } }
    }
}
