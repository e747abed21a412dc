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
            guard t.dtype == plan.dtype, t.shape == plan.shape else {
                throw SafeTensorsError.invalidTensor(
                    name: plan.name, reason: "data is \(t.dtype.rawValue) \(t.shape), planned \(plan.dtype.rawValue) \(plan.shape)")
            }
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
        var seen = Set<String>()
        for p in plans {
            if p.name == "__metadata__" { throw SafeTensorsError.invalidTensor(name: p.name, reason: "the name is reserved for metadata") }
            if !seen.insert(p.name).inserted { throw SafeTensorsError.invalidTensor(name: p.name, reason: "given twice") }
            _ = try SafeTensor.byteCount(shape: p.shape, dtype: p.dtype, name: p.name)
        }
        let ordered = plans.sorted { a, b in
            a.dtype != b.dtype ? a.dtype > b.dtype : Array(a.name.utf8).lexicographicallyPrecedes(Array(b.name.utf8))
        }
        let header = encodeHeader(ordered, metadata: metadata)
        try AtomicFile.write(to: url, overwrite: overwrite) { tmp in
            let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw SafeIOError.writeFailed(file: url.path, reason: "cannot create a temporary file in its directory")
            }
            defer { close(fd) }
            var written: UInt64 = 0
            func put(_ data: Data) throws {
                try Writeback.writeAll(data, to: fd, offset: written, target: url.path)
                written += UInt64(data.count)
            }
            var length = UInt64(header.count).littleEndian
            try put(Data(bytes: &length, count: 8) + header)
            for p in ordered {
                let expected = try SafeTensor.byteCount(shape: p.shape, dtype: p.dtype, name: p.name)
                var passed = 0
                try bytes(p) { piece in
                    passed += piece.count
                    guard passed <= expected else { return }
                    try put(piece)
                }
                guard passed == expected else {
                    throw SafeTensorsError.invalidTensor(name: p.name, reason: "\(passed) bytes of data, planned \(expected)")
                }
            }
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
