import Foundation
import HDF5
import SafeIO

/// The weights of a Keras 3 weights file (`model.weights.h5` inside a `.keras` archive, or a standalone
/// `save_weights("x.weights.h5")`) as Keras lays them out: every dataset by its path
/// (`layers/dense/vars/0`, `layers/functional/layers/conv2d/vars/1`, `optimizer/vars/3`), in HDF5 order
/// (libhdf5 lists links by name, as h5py does), with float32 values in C order.
///
/// float16 converts exactly (libhdf5); bfloat16 (2-byte opaque datasets, marked `dtype="bfloat16"` by Keras)
/// widens exactly. This is the format level only: which path belongs to which layer is decided by walking the
/// model (`layers/<snake_case class>[_N]`), which the bridge does. Reading is bounded: group nesting at most
/// `limits.maxConfigDepth` (hard-link cycles end there), children per group at most `limits.maxMembers`,
/// each array at most `limits.maxArrayBytes` and all of them at most `limits.maxTotalBytes`.
public struct KerasWeightTree: Sendable, Equatable {
    /// One dataset of the tree.
    public struct Entry: Sendable, Equatable {
        /// Slash-separated path from the file's root, without a leading slash.
        public var path: String
        public var shape: [Int]
        public var values: [Float]
        /// The stored element type (`float32`, `float16`, `bfloat16`, ...), for reports.
        public var storedType: String

        public init(path: String, shape: [Int], values: [Float], storedType: String = "float32") {
            self.path = path
            self.shape = shape
            self.values = values
            self.storedType = storedType
        }
    }

    /// One group of the tree: Keras 3 creates `<path>/vars` for every saveable, even one without variables, and
    /// marks it with the attribute `name` (the layer's own name, e.g. `dense_6` for `layers/dense/vars`).
    public struct Group: Sendable, Equatable {
        public var path: String
        /// The group's `name` attribute, when it has one.
        public var name: String?

        public init(path: String, name: String? = nil) {
            self.path = path
            self.name = name
        }
    }

    /// Every dataset, in HDF5 order.
    public private(set) var entries: [Entry]
    /// Every group (parents before children), in HDF5 order; writing recreates them, empty ones included.
    public private(set) var groups: [Group]

    /// A tree of `entries`; throws `KerasArchiveError.invalidWeightPath` for empty path components, duplicate
    /// paths, a path that is also another's group, or values that do not fill the shape.
    public init(entries: [Entry], groups: [Group] = []) throws {
        for e in entries {
            guard e.shape.allSatisfy({ $0 >= 0 }),
                e.shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) == e.values.count
            else {
                throw KerasArchiveError.invalidWeightPath(path: e.path, reason: "\(e.values.count) values for shape \(e.shape)")
            }
        }
        try Self.checkListing(entries, groups: groups)
        self.entries = entries
        self.groups = groups
    }

    /// The checks of `init` that need no values (paths and groups), made on a listing before its weights are read.
    static func checkListing(_ entries: [Entry], groups: [Group]) throws {
        var seen = Set<String>()
        for e in entries {
            if e.path.isEmpty
                || e.path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
            {
                throw KerasArchiveError.invalidWeightPath(path: e.path, reason: "empty, '.' or '..' path component")
            }
            if !seen.insert(e.path).inserted { throw KerasArchiveError.invalidWeightPath(path: e.path, reason: "given twice") }
        }
        if let clash = entries.first(where: { e in seen.contains(where: { $0.hasPrefix(e.path + "/") }) }) {
            throw KerasArchiveError.invalidWeightPath(path: clash.path, reason: "is both a dataset and a group")
        }
        for g in groups
        where g.path.isEmpty || seen.contains(g.path)
            || g.path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
        {
            throw KerasArchiveError.invalidWeightPath(path: g.path, reason: "not a valid group path")
        }
    }

    /// The entry at `path`, or nil.
    public subscript(path: String) -> Entry? { entries.first { $0.path == path } }

    /// Reads the weights file `url`. With `isolation` `.childProcess`, libhdf5 runs in a child process whose answer
    /// is checked here again (see `KerasChildReader`). The weights arrive one at a time (`KerasWeightStream`).
    public static func read(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> KerasWeightTree
    {
        let stream = try KerasWeightStream.open(url, mode: .weightTree, limits: limits, isolation: isolation)
        guard case .tree(var entries, let groups) = stream.contents else {
            throw KerasFormatError.readerFailed(file: url.path, reason: "answered a weights-tree read with another kind")
        }
        for i in entries.indices { entries[i].values = try stream.nextWeight() }
        try stream.finish()
        return try KerasWeightTree(entries: entries, groups: groups)
    }

    /// Lists the weights tree of the open `file` without reading any values: entries with empty values, groups, and
    /// each entry's dataset path (every dataset opened, checked and counted against the budget as a read would).
    static func listInProcess(_ file: HDF5File, source: String, limits: ResourceLimits) throws
        -> (entries: [Entry], groups: [Group], paths: [String])
    {
        var budget = WeightBudget(limit: limits.maxTotalBytes, source: source)
        var entries: [Entry] = []
        var groups: [Group] = []
        try walk(file.root, prefix: "", depth: 0, limits: limits, source: source, budget: &budget, into: &entries, groups: &groups)
        try checkListing(entries, groups: groups)
        return (entries, groups, entries.map(\.path))
    }

    private static func walk(
        _ group: HDF5Group, prefix: String, depth: Int, limits: ResourceLimits, source: String,
        budget: inout WeightBudget, into entries: inout [Entry], groups: inout [Group]
    ) throws {
        guard depth < limits.maxConfigDepth else {
            throw KerasArchiveError.treeTooDeep(file: source, path: prefix, limit: limits.maxConfigDepth)
        }
        for (name, kind) in try group.children() {
            let path = prefix.isEmpty ? name : prefix + "/" + name
            switch kind {
            case .group:
                guard entries.count + groups.count < limits.maxMembers else {
                    throw SafeIOError.limitExceeded(
                        file: source, what: "the number of weights and groups", value: UInt64(limits.maxMembers) + 1,
                        limit: UInt64(limits.maxMembers), unit: "")
                }
                let child = try group.group(name)
                groups.append(Group(path: path, name: try child.stringAttribute("name")))
                try walk(
                    child, prefix: path, depth: depth + 1, limits: limits, source: source, budget: &budget, into: &entries, groups: &groups)
            case .dataset:
                guard entries.count + groups.count < limits.maxMembers else {
                    throw SafeIOError.limitExceeded(
                        file: source, what: "the number of weights", value: UInt64(entries.count) + 1, limit: UInt64(limits.maxMembers),
                        unit: "")
                }
                let dataset = try group.dataset(name)
                try budget.take(dataset.count, what: path)
                try dataset.checkFloatsReadable()
                entries.append(Entry(path: path, shape: dataset.shape, values: [], storedType: dataset.elementType.description))
            default:
                continue  // soft/external links and named datatypes hold no weights and are never followed
            }
        }
    }
}
