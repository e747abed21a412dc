import Foundation
import SafeIO

/// The isolated reader's answer, as sent from the child to the parent over a pipe:
/// the magic `WBH5RPL1`, a little-endian UInt64 length, that many bytes of JSON (what kind of answer, strings,
/// layer and weight names with shapes), then every weight's float32 values, little-endian, in order. The child
/// sends the JSON before it reads any weight, then each weight as it reads it (`KerasChildReader.serve`); a
/// refusal found after the JSON was sent is the child's exit status `KerasChildReader.refusedAfterListing` with the
/// message on stderr.
///
/// The parent treats the bytes as hostile (`Receiver`): every length and shape is checked (with overflow checks)
/// against the bytes present and the caller's `ResourceLimits` before anything is allocated from it, and the
/// listing is checked as the in-process reader checks it (`contents`) before any weight is read.
struct KerasReaderReply: Codable {
    /// `keras`, `hdf5` (a listing of a non-Keras HDF5 file), `tree` (a Keras 3 weights tree) or `error`.
    var kind: String
    var message: String?
    var tree: [String]?
    var kerasVersion: String?
    var backend: String?
    var modelConfigJSON: String?
    var trainingConfigJSON: String?
    var hasOptimizerWeights: Bool?
    var layers: [Layer]?
    /// For `tree`: every dataset's path, shape and stored type, in order; values follow the JSON like layers' weights.
    var entries: [TreeEntry]?
    /// For `tree`: every group's path and `name` attribute, in order.
    var groups: [TreeGroup]?
    struct Layer: Codable {
        var name: String
        var weights: [Weight]
    }

    struct Weight: Codable {
        var name: String
        var shape: [Int]
    }

    struct TreeGroup: Codable {
        var path: String
        var name: String?
    }

    struct TreeEntry: Codable {
        var path: String
        var shape: [Int]
        var storedType: String
    }

    private enum CodingKeys: String, CodingKey {
        case kind, message, tree, kerasVersion, backend, modelConfigJSON, trainingConfigJSON, hasOptimizerWeights, layers, entries, groups
    }

    static let magic = Data("WBH5RPL1".utf8)

    static func error(_ message: String) -> KerasReaderReply { KerasReaderReply(kind: "error", message: message) }

    /// The answer's JSON part for what a file was listed as holding (weights' values are not part of it).
    init(_ contents: KerasWeightStream.Contents) {
        switch contents {
        case .keras(let file):
            self.init(
                kind: "keras", kerasVersion: file.kerasVersion, backend: file.backend, modelConfigJSON: file.modelConfigJSON,
                trainingConfigJSON: file.trainingConfigJSON, hasOptimizerWeights: file.hasOptimizerWeights,
                layers: file.layerWeights.map { layer in
                    Layer(name: layer.layerName, weights: layer.weights.map { Weight(name: $0.name, shape: $0.shape) })
                })
        case .hdf5(let tree, let reason):
            self.init(kind: "hdf5", message: reason, tree: tree)
        case .tree(let entries, let groups):
            self.init(kind: "tree")
            self.entries = entries.map { TreeEntry(path: $0.path, shape: $0.shape, storedType: $0.storedType) }
            self.groups = groups.map { TreeGroup(path: $0.path, name: $0.name) }
        }
    }

    init(
        kind: String, message: String? = nil, tree: [String]? = nil, kerasVersion: String? = nil, backend: String? = nil,
        modelConfigJSON: String? = nil, trainingConfigJSON: String? = nil, hasOptimizerWeights: Bool? = nil,
        layers: [Layer]? = nil
    ) {
        self.kind = kind
        self.message = message
        self.tree = tree
        self.kerasVersion = kerasVersion
        self.backend = backend
        self.modelConfigJSON = modelConfigJSON
        self.trainingConfigJSON = trainingConfigJSON
        self.hasOptimizerWeights = hasOptimizerWeights
        self.layers = layers
    }

    /// Most bytes an answer may take under `limits`: the weights, three configurations' worth of strings, 64 MiB of names.
    static func maxBytes(_ limits: ResourceLimits) -> UInt64 {
        let (config, o1) = UInt64(max(0, limits.maxConfigBytes)).multipliedReportingOverflow(by: 3)
        let (sum, o2) = limits.maxTotalBytes.addingReportingOverflow(config)
        let (total, o3) = sum.addingReportingOverflow(64 << 20)
        return o1 || o2 || o3 ? UInt64.max : total
    }

    /// The answer's header and JSON part (the values follow it).
    func head() -> Data {
        var data = Self.magic
        let json = (try? JSONEncoder().encode(self)) ?? Data(#"{"kind":"error","message":"cannot encode the answer"}"#.utf8)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        return data
    }

    /// What a received answer's JSON part lists for a read in `mode` of `file`, checked as the in-process reader
    /// checks its listing before reading any weight: a `keras` answer's configuration is parsed again here and the
    /// weights' shapes checked against it; a `tree` answer's paths are checked as `KerasWeightTree` checks them.
    /// Throws the child's own refusal for an `error` answer.
    static func contents(_ reply: KerasReaderReply, mode: KerasChildReader.Mode, file: String, limits: ResourceLimits) throws
        -> KerasWeightStream.Contents
    {
        func bad(_ reason: String) -> KerasFormatError { .readerFailed(file: file, reason: "malformed answer from the reader: \(reason)") }
        switch (reply.kind, mode) {
        case ("error", _):
            throw KerasFormatError.refusedByReader(message: reply.message ?? "\(file): refused by the isolated reader")
        case ("tree", .weightTree):
            let entries = (reply.entries ?? []).map {
                KerasWeightTree.Entry(path: $0.path, shape: $0.shape, values: [], storedType: $0.storedType)
            }
            let groups = (reply.groups ?? []).map { KerasWeightTree.Group(path: $0.path, name: $0.name) }
            guard groups.count + entries.count <= limits.maxMembers else {
                throw bad(
                    "it lists "
                        + ResourceLimits.overLimit(groups.count + entries.count, limit: limits.maxMembers, unit: "weights and groups"))
            }
            try KerasWeightTree.checkListing(entries, groups: groups)
            return .tree(entries: entries, groups: groups)
        case (_, .weightTree):
            throw bad("answered a weights-tree read with kind '\(reply.kind)'")
        case ("hdf5", _):
            return .hdf5(tree: reply.tree ?? [], reason: reply.message ?? "")
        case ("keras", _):
            break
        default:
            throw bad("unknown kind '\(reply.kind)'")
        }
        let layers = (reply.layers ?? []).map { layer in
            KerasLayerWeights(layerName: layer.name, weights: layer.weights.map { KerasWeight(name: $0.name, shape: $0.shape, values: []) })
        }
        var result = KerasModelFile(
            kerasVersion: reply.kerasVersion, backend: reply.backend, modelConfig: nil, trainingConfigJSON: reply.trainingConfigJSON,
            hasOptimizerWeights: reply.hasOptimizerWeights ?? false, layerWeights: layers)
        if let json = reply.modelConfigJSON {
            result.modelConfigJSON = json
            result.modelConfig = try KerasModelConfig.parse(
                json: Data(json.utf8), source: file, limits: limits, kerasVersion: reply.kerasVersion)
        }
        try result.validateWeightsAgainstConfig(source: file)
        return .keras(result)
    }
}
