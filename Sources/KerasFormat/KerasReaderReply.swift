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

    /// The answer's header and JSON part (the values follow it).
    private func head() -> Data {
        var data = Self.magic
        let json = (try? JSONEncoder().encode(self)) ?? Data(#"{"kind":"error","message":"cannot encode the answer"}"#.utf8)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        return data
    }

    /// The whole answer in one buffer (tests, and answers without weights).
    func encoded() -> Data {
        var data = head()
        for v in values { v.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }

    /// Writes the answer to `fd` (the child's stdout) straight from each weight's own storage, so the child never
    /// holds a second copy of the weights, and lets each weight go once written: while the parent fills its weights
    /// the child's shrink, so the two processes together hold the weights about once, plus the one in transit.
    /// Returns false when a write fails (the parent has gone).
    @discardableResult
    mutating func write(to fd: Int32) -> Bool {
        func writeAll(_ raw: UnsafeRawBufferPointer) -> Bool {
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return false }
                done += n
            }
            return true
        }
        guard head().withUnsafeBytes(writeAll) else { return false }
        for i in values.indices {
            let v = values[i]
            values[i] = []
            guard v.withUnsafeBytes(writeAll) else { return false }
        }
        return true
    }

    /// Decodes a `tree` answer for `file` held whole (`Receiver` checks it), then the paths as `KerasWeightTree.init`
    /// checks them.
    static func decodeTree(_ data: Data, file: String, limits: ResourceLimits) throws -> KerasWeightTree {
        let (reply, values) = try receive(data, file: file, limits: limits)
        return try tree(reply, values: values, file: file, limits: limits)
    }

    /// An answer held whole, checked as it would be streamed through a `Receiver`.
    private static func receive(_ data: Data, file: String, limits: ResourceLimits) throws -> (KerasReaderReply, [[Float]]) {
        let receiver = Receiver(file: file, limits: limits)
        try data.withUnsafeBytes { try receiver.consume($0) }
        return try receiver.finish()
    }

    /// The weights tree of a received `tree` answer (values in the order of its entries).
    static func tree(_ reply: KerasReaderReply, values: [[Float]], file: String, limits: ResourceLimits) throws -> KerasWeightTree {
        func bad(_ reason: String) -> KerasFormatError { .readerFailed(file: file, reason: "malformed answer from the reader: \(reason)") }
        switch reply.kind {
        case "error": throw KerasFormatError.refusedByReader(message: reply.message ?? "\(file): refused by the isolated reader")
        case "tree": break
        default: throw bad("answered a weights-tree read with kind '\(reply.kind)'")
        }
        let declared = reply.entries ?? []
        var entries: [KerasWeightTree.Entry] = []
        entries.reserveCapacity(declared.count)
        for (e, v) in zip(declared, values) {
            entries.append(KerasWeightTree.Entry(path: e.path, shape: e.shape, values: v, storedType: e.storedType))
        }
        let groups = reply.groups ?? []
        guard groups.count + entries.count <= limits.maxMembers else {
            throw bad(
                "it lists " + ResourceLimits.overLimit(groups.count + entries.count, limit: limits.maxMembers, unit: "weights and groups"))
        }
        return try KerasWeightTree(entries: entries, groups: groups.map { KerasWeightTree.Group(path: $0.path, name: $0.name) })
    }

    /// Decodes an answer for `file` held whole (`Receiver` checks it) and turns it into contents, or throws the error
    /// it carries.
    static func decode(_ data: Data, file: String, limits: ResourceLimits) throws -> KerasFileContents {
        let (reply, values) = try receive(data, file: file, limits: limits)
        return try contents(reply, values: values, file: file, limits: limits)
    }

    /// The contents of a received answer (values in the order of its layers' weights): the configuration parsed again
    /// here and the weights checked against it.
    static func contents(_ reply: KerasReaderReply, values: [[Float]], file: String, limits: ResourceLimits) throws -> KerasFileContents {
        func bad(_ reason: String) -> KerasFormatError { .readerFailed(file: file, reason: "malformed answer from the reader: \(reason)") }
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
        var next = values.makeIterator()
        let layers = (reply.layers ?? []).map { layer in
            KerasLayerWeights(
                layerName: layer.name, weights: layer.weights.map { KerasWeight(name: $0.name, shape: $0.shape, values: next.next() ?? []) }
            )
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
