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
    /// `limits.maxTotalBytes`. Everything is checked before any weight is read; the weights are then read one at a
    /// time (`KerasWeightStream`, which gives them to a caller that needs only one at a time).
    /// With `isolation` `.childProcess`, libhdf5 runs in a child process and its crashes, hangs and leaks become
    /// `KerasFormatError.readerCrashed`/`.readerTimedOut`.
    public static func read(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> KerasModelFile
    {
        guard case .keras(let file) = try readOrList(url, mode: .keras, limits: limits, isolation: isolation) else {
            throw KerasFormatError.readerFailed(file: url.path, reason: "answered a Keras read with an HDF5 listing")
        }
        return file
    }

    /// Reads `url` as a Keras file or, when it is an HDF5 file without a Keras layout (`notAKerasFile`), lists its
    /// objects (`HDF5File.treeDescription`). Isolated like `read`.
    public static func readOrList(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> KerasFileContents
    {
        try readOrList(url, mode: .kerasOrList, limits: limits, isolation: isolation)
    }

    /// Opens `url` as `read` does (everything checked, the weights listed with empty values) and gives its weights
    /// one at a time (`KerasWeightStream.nextWeight`); `contents` is `.keras`, or with `orList` (as `readOrList`)
    /// `.hdf5` for an HDF5 file without a Keras layout.
    public static func openWeightStream(
        _ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess, orList: Bool = false
    ) throws -> KerasWeightStream {
        let stream = try KerasWeightStream.open(url, mode: orList ? .kerasOrList : .keras, limits: limits, isolation: isolation)
        switch stream.contents {
        case .keras: return stream
        case .hdf5 where orList: return stream
        case .hdf5: throw KerasFormatError.readerFailed(file: url.path, reason: "answered a Keras read with an HDF5 listing")
        case .tree: throw KerasFormatError.readerFailed(file: url.path, reason: "answered a Keras read with a weights tree")
        }
    }

    private static func readOrList(_ url: URL, mode: KerasChildReader.Mode, limits: ResourceLimits, isolation: KerasReadIsolation) throws
        -> KerasFileContents
    {
        let stream = try KerasWeightStream.open(url, mode: mode, limits: limits, isolation: isolation)
        switch stream.contents {
        case .keras(var file):
            for l in file.layerWeights.indices {
                for w in file.layerWeights[l].weights.indices { file.layerWeights[l].weights[w].values = try stream.nextWeight() }
            }
            try stream.finish()
            return .keras(file)
        case .hdf5(let tree, let reason):
            try stream.finish()
            return .hdf5(tree: tree, reason: reason)
        case .tree:
            throw KerasFormatError.readerFailed(file: url.path, reason: "answered a Keras read with a weights tree")
        }
    }

    /// Lists the open `file` as `readOrList` reads it, without reading any weight's values: the model with every
    /// weight's name and shape (values empty) and each weight's dataset path, in order. Every dataset is opened,
    /// checked and counted against `limits.maxTotalBytes`, and the shapes are checked against the configuration.
    /// With `orList`, a file without a Keras layout is listed as `.hdf5` instead of refused.
    static func listInProcess(_ file: HDF5File, source: String, limits: ResourceLimits, orList: Bool) throws
        -> (contents: KerasFileContents, paths: [String])
    {
        do {
            let (model, paths) = try listInProcess(file, source: source, limits: limits)
            return (.keras(model), paths)
        } catch let error as KerasFormatError {
            guard orList, case .notAKerasFile = error else { throw error }
            return (.hdf5(tree: try file.treeDescription(), reason: error.localizedDescription), [])
        }
    }

    private static func listInProcess(_ file: HDF5File, source: String, limits: ResourceLimits) throws
        -> (KerasModelFile, [String])
    {
        let root = file.root
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
        var plan = WeightPlan(budget: WeightBudget(limit: limits.maxTotalBytes, source: source))
        if groups.contains("model_weights") {
            guard result.modelConfig != nil else { throw KerasFormatError.missingModelConfig(file: source) }
            let weightsRoot = try root.group("model_weights")
            result.layerWeights = try readLayerGroups(weightsRoot, source: source, plan: &plan)
            if result.kerasVersion == nil { result.kerasVersion = try weightsRoot.stringAttribute("keras_version") }
            if result.backend == nil { result.backend = try weightsRoot.stringAttribute("backend") }
        } else if try KerasAttributes.readStrings(root, "layer_names") != nil {
            result.layerWeights = try readLayerGroups(root, source: source, plan: &plan)
        } else if groups.contains("layers") {
            result.layerWeights = try readKeras3WeightsLayout(try root.group("layers"), source: source, plan: &plan)
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
        return (result, plan.paths)
    }

    /// Checks the weights' count and shapes against the configuration, when both are present and the input shape is known.
    func validateWeightsAgainstConfig(source: String) throws {
        if let config = modelConfig, config.inputShape != nil, !layerWeights.isEmpty {
            try config.validate(weights: layerWeights, source: source)
        }
    }

    /// Layer groups listed in `layer_names`, each with `weight_names`; plus `top_level_model_weights` when it holds weights.
    private static func readLayerGroups(_ group: HDF5Group, source: String, plan: inout WeightPlan) throws -> [KerasLayerWeights] {
        guard let layerNames = try KerasAttributes.readStrings(group, "layer_names") else {
            throw KerasFormatError.missingWeights(file: source, layer: group.path, detail: "has no layer_names attribute")
        }
        var layers: [KerasLayerWeights] = []
        for name in layerNames {
            guard try group.contains(name) else {
                throw KerasFormatError.missingWeights(
                    file: source, layer: name, detail: "listed in layer_names but has no group in \(group.path)")
            }
            layers.append(try readLayer(try group.group(name), name: name, source: source, plan: &plan))
        }
        if !layerNames.contains("top_level_model_weights"), try group.contains("top_level_model_weights") {
            let top = try readLayer(
                try group.group("top_level_model_weights"), name: "top_level_model_weights", source: source, plan: &plan)
            if !top.weights.isEmpty { layers.append(top) }
        }
        return layers
    }

    private static func readLayer(_ group: HDF5Group, name: String, source: String, plan: inout WeightPlan) throws -> KerasLayerWeights {
        let weightNames = try KerasAttributes.readStrings(group, "weight_names") ?? []
        var weights: [KerasWeight] = []
        for weightName in weightNames {
            guard try group.contains(weightName) else {
                throw KerasFormatError.missingWeights(
                    file: source, layer: name, detail: "weight '\(weightName)' is listed in weight_names but missing")
            }
            weights.append(try readWeight(try group.dataset(weightName), name: weightName, plan: &plan))
        }
        return KerasLayerWeights(layerName: name, weights: weights)
    }

    /// Keras 3 `.weights.h5`: `layers/<layer>/vars/<0, 1, ...>`, layers in name order (the file records no other).
    private static func readKeras3WeightsLayout(_ layersGroup: HDF5Group, source: String, plan: inout WeightPlan) throws
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
                    weights.append(try readWeight(try vars.dataset(String(index)), name: "vars/\(index)", plan: &plan))
                }
            }
            layers.append(KerasLayerWeights(layerName: name, weights: weights))
        }
        return layers
    }

    /// The weight listed: counted, checked as `readFloats` would check it, its path kept; its values come later.
    private static func readWeight(_ dataset: HDF5Dataset, name: String, plan: inout WeightPlan) throws -> KerasWeight {
        try plan.budget.take(dataset.count, what: dataset.path)
        try dataset.checkFloatsReadable()
        plan.paths.append(dataset.path)
        return KerasWeight(name: name, shape: dataset.shape, values: [])
    }
}

/// What listing a file's weights gathers: the byte budget and every weight's dataset path, in order.
struct WeightPlan {
    var budget: WeightBudget
    var paths: [String] = []
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
