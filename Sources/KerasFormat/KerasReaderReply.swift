import Foundation
import SafeIO

/// The isolated reader's answer, as sent from the child to the parent over a pipe:
/// the magic `WBH5RPL1`, a little-endian UInt64 length, that many bytes of JSON (what kind of answer, strings,
/// layer and weight names with shapes), then every weight's float32 values, little-endian, in order.
///
/// `decode` treats the bytes as hostile: every length and shape is checked (with overflow checks) against the
/// bytes present and the caller's `ResourceLimits` before anything is allocated from it.
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
    /// Not encoded in the JSON: the weights' values, in order, as they follow it.
    var values: [[Float]] = []

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

    static func keras(_ file: KerasModelFile) -> KerasReaderReply {
        KerasReaderReply(
            kind: "keras", kerasVersion: file.kerasVersion, backend: file.backend, modelConfigJSON: file.modelConfigJSON,
            trainingConfigJSON: file.trainingConfigJSON, hasOptimizerWeights: file.hasOptimizerWeights,
            layers: file.layerWeights.map { layer in
                Layer(name: layer.layerName, weights: layer.weights.map { Weight(name: $0.name, shape: $0.shape) })
            },
            values: file.layerWeights.flatMap { $0.weights.map(\.values) })
    }

    static func tree(_ tree: KerasWeightTree) -> KerasReaderReply {
        var reply = KerasReaderReply(kind: "tree", values: tree.entries.map(\.values))
        reply.entries = tree.entries.map { TreeEntry(path: $0.path, shape: $0.shape, storedType: $0.storedType) }
        reply.groups = tree.groups.map { TreeGroup(path: $0.path, name: $0.name) }
        return reply
    }

    init(_ contents: KerasFileContents) {
        switch contents {
        case .keras(let file): self = .keras(file)
        case .hdf5(let tree, let reason): self.init(kind: "hdf5", message: reason, tree: tree)
        }
    }

    init(
        kind: String, message: String? = nil, tree: [String]? = nil, kerasVersion: String? = nil, backend: String? = nil,
        modelConfigJSON: String? = nil, trainingConfigJSON: String? = nil, hasOptimizerWeights: Bool? = nil,
        layers: [Layer]? = nil, values: [[Float]] = []
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
        self.values = values
    }

    /// Most bytes an answer may take under `limits`: the weights, three configurations' worth of strings, 64 MiB of names.
    static func maxBytes(_ limits: ResourceLimits) -> UInt64 {
        let (config, o1) = UInt64(max(0, limits.maxConfigBytes)).multipliedReportingOverflow(by: 3)
        let (sum, o2) = limits.maxTotalBytes.addingReportingOverflow(config)
        let (total, o3) = sum.addingReportingOverflow(64 << 20)
        return o1 || o2 || o3 ? UInt64.max : total
    }

    func encoded() -> Data {
        var data = Self.magic
        let json = (try? JSONEncoder().encode(self)) ?? Data(#"{"kind":"error","message":"cannot encode the answer"}"#.utf8)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        for v in values { v.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }

    /// Decodes a `tree` answer for `file`: every shape checked (overflow, `limits.maxTotalBytes` in all) against the
    /// bytes present before allocating, no bytes left over, and the paths checked as `KerasWeightTree.init` checks them.
    static func decodeTree(_ data: Data, file: String, limits: ResourceLimits) throws -> KerasWeightTree {
        func bad(_ reason: String) -> KerasFormatError { .readerFailed(file: file, reason: "malformed answer from the reader: \(reason)") }
        let (reply, jsonEnd) = try header(data, file: file)
        switch reply.kind {
        case "error": throw KerasFormatError.refusedByReader(message: reply.message ?? "\(file): refused by the isolated reader")
        case "tree": break
        default: throw bad("answered a weights-tree read with kind '\(reply.kind)'")
        }
        var budget = WeightBudget(limit: limits.maxTotalBytes, source: file)
        var offset = data.startIndex + jsonEnd
        var entries: [KerasWeightTree.Entry] = []
        let declared = reply.entries ?? []
        guard declared.count <= limits.maxMembers else {
            throw bad("it lists " + ResourceLimits.overLimit(declared.count, limit: limits.maxMembers, unit: "weights"))
        }
        for e in declared {
            let values = try takeValues(data, at: &offset, shape: e.shape, what: e.path, budget: &budget, bad: bad)
            entries.append(KerasWeightTree.Entry(path: e.path, shape: e.shape, values: values, storedType: e.storedType))
        }
        guard offset == data.endIndex else { throw bad("\(data.endIndex - offset) bytes after the last weight") }
        let groups = reply.groups ?? []
        guard groups.count + entries.count <= limits.maxMembers else {
            throw bad(
                "it lists " + ResourceLimits.overLimit(groups.count + entries.count, limit: limits.maxMembers, unit: "weights and groups"))
        }
        return try KerasWeightTree(entries: entries, groups: groups.map { KerasWeightTree.Group(path: $0.path, name: $0.name) })
    }

    /// `count(shape)` float32 values at `offset`, after checking the shape and the budget against the bytes present.
    private static func takeValues(
        _ data: Data, at offset: inout Int, shape: [Int], what: String, budget: inout WeightBudget,
        bad: (String) -> KerasFormatError
    ) throws -> [Float] {
        var count = 1
        for d in shape {
            let (c, overflow) = count.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow else { throw bad("weight \(what) has shape \(shape)") }
            count = c
        }
        try budget.take(count, what: what)
        guard data.endIndex - offset >= count * 4 else { throw bad("values of \(what) are cut short") }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { dst in
            data.copyBytes(to: dst.bindMemory(to: UInt8.self), from: offset..<offset + count * 4)
        }
        offset += count * 4
        return values
    }

    /// The JSON part of an answer and where the values begin.
    private static func header(_ data: Data, file: String) throws -> (KerasReaderReply, Int) {
        func bad(_ reason: String) -> KerasFormatError { .readerFailed(file: file, reason: "malformed answer from the reader: \(reason)") }
        guard data.count >= 16, data.prefix(8) == magic else { throw bad("no header (\(data.count) bytes)") }
        let length = data.dropFirst(8).prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(data.count - 16) else { throw bad("JSON of \(length) bytes in a \(data.count)-byte answer") }
        let jsonEnd = 16 + Int(length)
        do {
            return (
                try JSONDecoder().decode(KerasReaderReply.self, from: data.subdata(in: data.startIndex + 16..<data.startIndex + jsonEnd)),
                jsonEnd
            )
        } catch {
            throw bad("undecodable JSON")
        }
    }

    /// Decodes an answer for `file` and turns it into contents, or throws the error it carries.
    static func decode(_ data: Data, file: String, limits: ResourceLimits) throws -> KerasFileContents {
        func bad(_ reason: String) -> KerasFormatError { .readerFailed(file: file, reason: "malformed answer from the reader: \(reason)") }
        guard data.count >= 16, data.prefix(8) == magic else { throw bad("no header (\(data.count) bytes)") }
        let length = data.dropFirst(8).prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(data.count - 16) else { throw bad("JSON of \(length) bytes in a \(data.count)-byte answer") }
        let jsonEnd = 16 + Int(length)
        let reply: KerasReaderReply
        do {
            reply = try JSONDecoder().decode(
                KerasReaderReply.self, from: data.subdata(in: data.startIndex + 16..<data.startIndex + jsonEnd))
        } catch {
            throw bad("undecodable JSON")
        }
        switch reply.kind {
        case "error":
            throw KerasFormatError.refusedByReader(message: reply.message ?? "\(file): refused by the isolated reader")
        case "hdf5":
            return .hdf5(tree: reply.tree ?? [], reason: reply.message ?? "")
        case "keras":
            break
        default:
            throw bad("unknown kind '\(reply.kind)'")
        }
        var budget = WeightBudget(limit: limits.maxTotalBytes, source: file)
        var offset = data.startIndex + jsonEnd
        var layers: [KerasLayerWeights] = []
        for layer in reply.layers ?? [] {
            var weights: [KerasWeight] = []
            for w in layer.weights {
                var count = 1
                for d in w.shape {
                    let (c, overflow) = count.multipliedReportingOverflow(by: d)
                    guard d >= 0, !overflow else { throw bad("weight \(layer.name)/\(w.name) has shape \(w.shape)") }
                    count = c
                }
                try budget.take(count, what: "\(layer.name)/\(w.name)")
                guard data.endIndex - offset >= count * 4 else { throw bad("values of \(layer.name)/\(w.name) are cut short") }
                var values = [Float](repeating: 0, count: count)
                values.withUnsafeMutableBytes { dst in
                    data.copyBytes(to: dst.bindMemory(to: UInt8.self), from: offset..<offset + count * 4)
                }
                offset += count * 4
                weights.append(KerasWeight(name: w.name, shape: w.shape, values: values))
            }
            layers.append(KerasLayerWeights(layerName: layer.name, weights: weights))
        }
        guard offset == data.endIndex else { throw bad("\(data.endIndex - offset) bytes after the last weight") }
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
