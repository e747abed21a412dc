import Foundation
import SafeIO

/// Writes `.safetensors` files byte for byte as the reference writer (`safetensors` 0.8,
/// `tensor.rs: prepare`) does: tensors sorted by descending dtype (the reference's alignment order),
/// then by name (byte order); compact JSON with `__metadata__` first, then each tensor's
/// `dtype`, `shape`, `data_offsets`; header padded with spaces to a multiple of 8.
///
/// Metadata is written in the order given; the reference keeps it in a hash map, so for more than one
/// key its order differs from run to run, and only files with at most one metadata key are byte-identical
/// whichever side writes them. Writes are atomic (temporary file, fsync, rename) and stream one tensor at a time.
public enum SafeTensorsWriter {
    /// What the header says about one tensor to be written, before its data is read.
    public struct Plan: Sendable {
        public var name: String
        public var dtype: SafeTensorsDType
        public var shape: [Int]
        public init(name: String, dtype: SafeTensorsDType, shape: [Int]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
        }
    }

    /// Writes in-memory `tensors` and `metadata` to `url`. See `write(_:metadata:to:overwrite:data:)`.
    public static func write(
        _ tensors: [(name: String, tensor: SafeTensor)], metadata: [(key: String, value: String)]? = nil,
        to url: URL, overwrite: Bool = true
    ) throws {
        let plans = tensors.map { Plan(name: $0.name, dtype: $0.tensor.dtype, shape: $0.tensor.shape) }
        try write(plans, metadata: metadata, to: url, overwrite: overwrite) { name in
            tensors.first(where: { $0.name == name })!.tensor
        }
    }

    /// Writes the tensors `plans` describe, asking `data` for each one's values only when its turn comes
    /// (so a converter holds one tensor at a time).
    ///
    /// Throws `SafeTensorsError.invalidTensor` for a duplicate name, the name `__metadata__`, or a
    /// tensor from `data` whose dtype or shape differs from its plan; `SafeIOError.exists` when the
    /// file exists and `overwrite` is false; `SafeIOError.writeFailed` when it cannot be written.
    public static func write(
        _ plans: [Plan], metadata: [(key: String, value: String)]? = nil, to url: URL, overwrite: Bool = true,
        data: (String) throws -> SafeTensor
    ) throws {
        try write(plans, metadata: metadata, to: url, overwrite: overwrite) { plan, sink in
            let t = try data(plan.name)
            try check(t, against: plan)
            try sink(t.data)
        }
    }

    /// Writes the tensors `plans` describe, each one's bytes (little-endian, C order, as the file holds them) handed
    /// by `bytes` to the sink it is given, piece by piece when its turn comes: a copy from another file holds one
    /// piece at a time, whatever the tensors' sizes. The same checks and errors as `write(_:metadata:to:overwrite:data:)`,
    /// and `SafeTensorsError.invalidTensor` when a tensor's pieces add up to more or fewer bytes than its plan.
    public static func write(
        _ plans: [Plan], metadata: [(key: String, value: String)]? = nil, to url: URL, overwrite: Bool = true,
        bytes: (Plan, (Data) throws -> Void) throws -> Void
    ) throws {
        try check(plans)
        let ordered = plans.sorted(by: precedes)
        try writeFile(url, header: encodeHeader(ordered, metadata: metadata), overwrite: overwrite) { file in
            for p in ordered {
                let expected = UInt64(try SafeTensor.byteCount(shape: p.shape, dtype: p.dtype, name: p.name))
                var passed: UInt64 = 0
                try bytes(p) { piece in
                    passed += UInt64(piece.count)
                    guard passed <= expected else { return }
                    try file.append(piece)
                }
                guard passed == expected else {
                    throw SafeTensorsError.invalidTensor(name: p.name, reason: "\(passed) bytes of data, planned \(expected)")
                }
            }
        }
    }

    /// Writes the tensors `plans` describe as `write(_:metadata:to:overwrite:data:)` does, byte for byte, but asks
    /// `data` for them in the order of `plans` (by index), each once, writing each at its place in the file: for a
    /// source that can give its tensors only in its own order (a stream of weights), one tensor held at a time.
    public static func write(
        _ plans: [Plan], metadata: [(key: String, value: String)]? = nil, to url: URL, overwrite: Bool = true,
        inPlanOrder data: (Int) throws -> SafeTensor
    ) throws {
        try write(plans, metadata: metadata, to: url, overwrite: overwrite) { (i: Int, sink: (Data) throws -> Void) in
            let t = try data(i)
            try check(t, against: plans[i])
            try sink(t.data)
        }
    }

    /// Writes the tensors `plans` describe in the order of `plans` as `write(_:metadata:to:overwrite:inPlanOrder:)`
    /// does, byte for byte, each tensor's bytes (little-endian, C order) handed by `bytes(i, sink)` to the sink piece
    /// by piece and written at their place as they come: a stream of weights of any size in the memory of one piece.
    /// Throws `SafeTensorsError.invalidTensor` when a tensor's pieces add up to more or fewer bytes than its plan.
    public static func write(
        _ plans: [Plan], metadata: [(key: String, value: String)]? = nil, to url: URL, overwrite: Bool = true,
        inPlanOrder bytes: (Int, (Data) throws -> Void) throws -> Void
    ) throws {
        try check(plans)
        let ordered = plans.indices.sorted { precedes(plans[$0], plans[$1]) }
        let header = encodeHeader(ordered.map { plans[$0] }, metadata: metadata)
        var offsets = [UInt64](repeating: 0, count: plans.count)
        var next = UInt64(8 + header.count)
        for i in ordered {
            offsets[i] = next
            next += UInt64(plans[i].shape.reduce(1, *) * plans[i].dtype.itemSize)
        }
        try writeFile(url, header: header, overwrite: overwrite) { file in
            for (i, p) in plans.enumerated() {
                let expected = UInt64(try SafeTensor.byteCount(shape: p.shape, dtype: p.dtype, name: p.name))
                var passed: UInt64 = 0
                try bytes(i) { piece in
                    passed += UInt64(piece.count)
                    guard passed <= expected else { return }
                    try file.write(piece, at: offsets[i] + passed - UInt64(piece.count))
                }
                guard passed == expected else {
                    throw SafeTensorsError.invalidTensor(name: p.name, reason: "\(passed) bytes of data, planned \(expected)")
                }
            }
        }
    }

    /// The reference writer's order: descending dtype, then name (bytes).
    private static func precedes(_ a: Plan, _ b: Plan) -> Bool {
        a.dtype != b.dtype ? a.dtype > b.dtype : Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
    }

    /// Refuses the reserved name, repeated names and sizes that overflow.
    private static func check(_ plans: [Plan]) throws {
        var seen = Set<String>()
        for p in plans {
            if p.name == "__metadata__" { throw SafeTensorsError.invalidTensor(name: p.name, reason: "the name is reserved for metadata") }
            if !seen.insert(p.name).inserted { throw SafeTensorsError.invalidTensor(name: p.name, reason: "given twice") }
            _ = try SafeTensor.byteCount(shape: p.shape, dtype: p.dtype, name: p.name)
        }
    }

    private static func check(_ t: SafeTensor, against p: Plan) throws {
        guard t.dtype == p.dtype, t.shape == p.shape else {
            throw SafeTensorsError.invalidTensor(
                name: p.name, reason: "data is \(t.dtype.rawValue) \(t.shape), planned \(p.dtype.rawValue) \(p.shape)")
        }
    }

    /// The temporary file a write fills: appended to in order, or written at given offsets.
    private struct Output {
        let fd: Int32
        let target: String
        var end: UInt64 = 0

        /// Appends `data` after what was appended before (writeback started as it goes, `Writeback`).
        mutating func append(_ data: Data) throws {
            try Writeback.writeAll(data, to: fd, offset: end, target: target)
            end += UInt64(data.count)
        }

        /// Writes `data` at `offset` (positional writes; the file grows as needed).
        func write(_ data: Data, at offset: UInt64) throws {
            try data.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = pwrite(fd, raw.baseAddress! + done, min(raw.count - done, Writeback.interval), off_t(offset) + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw SafeIOError.writeFailed(file: target, reason: String(cString: strerror(errno))) }
                    Writeback.start(fd, offset: offset + UInt64(done), length: UInt64(n))
                    done += n
                }
            }
        }
    }

    /// Writes the length-prefixed `header` to a temporary file, then `body` the data, then renames it over `url`
    /// (`AtomicFile`: fsynced first; the temporary is removed on any error).
    private static func writeFile(_ url: URL, header: Data, overwrite: Bool, _ body: (inout Output) throws -> Void) throws {
        try AtomicFile.write(to: url, overwrite: overwrite) { tmp in
            let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw SafeIOError.writeFailed(file: url.path, reason: "cannot create a temporary file in its directory")
            }
            defer { close(fd) }
            var file = Output(fd: fd, target: url.path)
            var length = UInt64(header.count).littleEndian
            try file.append(Data(bytes: &length, count: 8) + header)
            try body(&file)
        }
    }

    /// The header bytes, padded with spaces to a multiple of 8.
    static func encodeHeader(_ ordered: [Plan], metadata: [(key: String, value: String)]?) -> Data {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        func separator() {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
        }
        if let metadata {
            separator()
            HeaderJSON.encode("__metadata__", into: &out)
            out.append(contentsOf: Array(":{".utf8))
            for (i, pair) in metadata.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                HeaderJSON.encode(pair.key, into: &out)
                out.append(UInt8(ascii: ":"))
                HeaderJSON.encode(pair.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        var offset = 0
        for p in ordered {
            separator()
            let bytes = p.shape.reduce(1, *) * p.dtype.itemSize
            HeaderJSON.encode(p.name, into: &out)
            let shape = p.shape.map(String.init).joined(separator: ",")
            out.append(
                contentsOf: Array(
                    ":{\"dtype\":\"\(p.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}".utf8))
            offset += bytes
        }
        out.append(UInt8(ascii: "}"))
        while out.count % 8 != 0 { out.append(UInt8(ascii: " ")) }
        return Data(out)
    }
}
