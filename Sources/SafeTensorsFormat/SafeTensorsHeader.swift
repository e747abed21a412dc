import Foundation

/// The parsed, validated header of a `.safetensors` file: tensors in data order and the `__metadata__` pairs.
///
/// Validation follows the reference (`safetensors/src/tensor.rs`, `read_metadata` and `Metadata::validate`):
/// header length at most 100,000,000 bytes and inside the file, UTF-8 JSON object, tensors sorted by
/// `data_offsets` must tile the data buffer exactly (each begins where the previous ended, no gaps or
/// overlaps, the last ends at the end of the file), each spans exactly shape x item size bytes, computed
/// with checked arithmetic. Stricter than the reference: duplicate names are refused (serde would keep the
/// last), and nesting deeper than 64 levels (the header needs 3) is refused before parsing further.
public struct SafeTensorsHeader: Sendable, Equatable {
    /// What the header says about one tensor.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        /// Byte range in the data buffer (after the header).
        public let begin: UInt64
        public let end: UInt64
        /// Bytes of data.
        public var byteCount: UInt64 { end - begin }
    }

    /// Tensors in data-buffer order (the order the reference writer lays them out).
    public let entries: [Entry]
    /// `__metadata__` pairs in header order; nil when the header has none.
    public let metadata: [(key: String, value: String)]?
    /// Header JSON length (the 8-byte length field's value).
    public let length: UInt64

    public static func == (a: Self, b: Self) -> Bool {
        a.entries == b.entries && a.length == b.length
            && a.metadata?.map(\.key) == b.metadata?.map(\.key) && a.metadata?.map(\.value) == b.metadata?.map(\.value)
    }

    /// The reference's header length limit.
    public static let maxLength: UInt64 = 100_000_000
    /// Deepest JSON nesting accepted (a valid header nests 3 levels).
    static let maxDepth = 64

    /// Parses and validates `json` (the header bytes) for a file of `fileSize` bytes.
    static func parse(_ json: [UInt8], length: UInt64, fileSize: UInt64, path: String) throws -> SafeTensorsHeader {
        func invalid(_ reason: String) -> SafeTensorsError { .invalidHeader(file: path, reason: reason) }
        guard String(validating: json, as: UTF8.self) != nil else { throw invalid("not UTF-8") }
        let root: HeaderJSON
        do {
            root = try HeaderJSON.parse(json, maxDepth: maxDepth)
        } catch let e as HeaderJSON.ParseError {
            throw invalid("\(e.reason) at byte \(e.offset) of the header")
        }
        guard case .object(let members) = root else { throw invalid("the header is \(root.typeName), expected a JSON object") }
        var metadata: [(key: String, value: String)]?
        var entries: [Entry] = []
        var seen = Set<String>()
        for (key, value) in members {
            guard seen.insert(key).inserted else { throw invalid("'\(key)' appears more than once") }
            if key == "__metadata__" {
                switch value {
                case .null: metadata = nil
                case .object(let pairs):
                    metadata = try pairs.map { pair in
                        guard case .string(let s) = pair.value else {
                            throw invalid("__metadata__ value of '\(pair.key)' is \(pair.value.typeName), expected a string")
                        }
                        return (pair.key, s)
                    }
                default: throw invalid("__metadata__ is \(value.typeName), expected an object of strings")
                }
                continue
            }
            entries.append(try entry(key, value, path: path))
        }
        // The reference sorts by offsets before validating (older writers ordered by name).
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var position: UInt64 = 0
        for e in entries {
            guard e.begin == position, e.end >= e.begin else {
                throw SafeTensorsError.invalidOffsets(file: path, tensor: e.name, begin: e.begin, end: e.end, expectedBegin: position)
            }
            position = e.end
        }
        let buffer = fileSize - 8 - length  // the caller checked length <= fileSize - 8
        guard position == buffer else { throw SafeTensorsError.incompleteBuffer(file: path, tensorBytes: position, bufferBytes: buffer) }
        return SafeTensorsHeader(entries: entries, metadata: metadata, length: length)
    }

    private static func entry(_ name: String, _ value: HeaderJSON, path: String) throws -> Entry {
        func invalid(_ reason: String) -> SafeTensorsError { .invalidHeader(file: path, reason: "tensor '\(name)': \(reason)") }
        guard case .object(let fields) = value else { throw invalid("is \(value.typeName), expected an object") }
        func field(_ key: String) throws -> HeaderJSON {
            guard let v = fields.first(where: { $0.key == key })?.value else { throw invalid("no '\(key)'") }
            return v
        }
        func integers(_ key: String) throws -> [UInt64] {
            guard case .array(let items) = try field(key) else { throw invalid("'\(key)' is not an array") }
            return try items.map {
                guard case .integer(let n) = $0 else { throw invalid("'\(key)' holds \($0.typeName) that is not a non-negative integer") }
                return n
            }
        }
        guard case .string(let dtypeName) = try field("dtype") else { throw invalid("'dtype' is not a string") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw SafeTensorsError.unsupportedDType(file: path, tensor: name, dtype: dtypeName)
        }
        let shape = try integers("shape")
        let offsets = try integers("data_offsets")
        guard offsets.count == 2 else { throw invalid("'data_offsets' has \(offsets.count) numbers, expected 2") }
        var count: UInt64 = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, d <= UInt64(Int.max) else { throw SafeTensorsError.shapeOverflow(file: path, tensor: name, shape: shape) }
            count = p
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: UInt64(dtype.itemSize))
        guard !overflow, bytes <= UInt64(Int.max) else { throw SafeTensorsError.shapeOverflow(file: path, tensor: name, shape: shape) }
        if offsets[1] >= offsets[0], offsets[1] - offsets[0] != bytes {
            throw SafeTensorsError.sizeMismatch(file: path, tensor: name, shape: shape, dtype: dtypeName, bytes: offsets[1] - offsets[0])
        }
        return Entry(name: name, dtype: dtype, shape: shape.map { Int($0) }, begin: offsets[0], end: offsets[1])
    }
}
