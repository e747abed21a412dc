import Foundation

/// The parsed header of a `.npy` file: what the data bytes that follow it hold.
///
/// `shape` is as written (C-order dimensions even for Fortran-ordered data); `count` and
/// `byteCount` are computed with checked arithmetic when the header is parsed, and
/// `headerLength` is the number of bytes before the data (magic, version, length field, header text).
public struct NPYHeader: Sendable, Equatable {
    public let dtype: NPYDType
    public let shape: [Int]
    public let fortranOrder: Bool
    public let version: NPYVersion
    /// Number of elements (1 for a 0-d array).
    public var count: Int { elementCount }
    /// Bytes of element data after the header.
    public var byteCount: Int { dataByteCount }
    /// Bytes before the data.
    public let headerLength: Int

    private let elementCount: Int
    private let dataByteCount: Int

    package init(dtype: NPYDType, shape: [Int], fortranOrder: Bool, version: NPYVersion, headerLength: Int, source: String) throws {
        let (count, bytes) = try NPYHeader.sizes(shape: shape, itemSize: dtype.itemSize, source: source)
        self.dtype = dtype
        self.shape = shape
        self.fortranOrder = fortranOrder
        self.version = version
        self.headerLength = headerLength
        self.elementCount = count
        self.dataByteCount = bytes
    }

    /// Element and byte counts of `shape`, refusing more than NumPy's 64 dimensions, negative dimensions and overflow.
    static func sizes(shape: [Int], itemSize: Int, source: String) throws -> (count: Int, bytes: Int) {
        if shape.count > NPYFormat.maxDimensions {
            throw NPYError.tooManyDimensions(file: source, count: shape.count, limit: NPYFormat.maxDimensions)
        }
        if shape.contains(where: { $0 < 0 }) { throw NPYError.negativeDimension(file: source, shape: shape) }
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { throw NPYError.shapeOverflow(file: source, shape: "\(shape)") }
            count = p
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: itemSize)
        if overflow { throw NPYError.shapeOverflow(file: source, shape: "\(shape)") }
        return (count, bytes)
    }

    // MARK: - Reading

    /// Bytes needed before the header can be parsed: 10 or 12 until the length field is known,
    /// then the full header length. Throws for a bad magic, version or over-long header.
    static func requiredLength(_ prefix: Data, source: String) throws -> Int {
        let bytes = [UInt8](prefix.prefix(12))
        let magicPart = Array(bytes.prefix(NPYFormat.magic.count))
        if magicPart != Array(NPYFormat.magic.prefix(magicPart.count)) {
            throw NPYError.badMagic(file: source, found: describeBytes(magicPart))
        }
        guard bytes.count >= NPYFormat.magicLength else { return NPYFormat.magicLength + 2 }
        let version = try parseVersion(bytes[6], bytes[7], source: source)
        let fieldEnd = NPYFormat.magicLength + version.lengthFieldSize
        guard bytes.count >= fieldEnd else { return fieldEnd }
        var length = 0
        for i in stride(from: fieldEnd - 1, through: NPYFormat.magicLength, by: -1) { length = length << 8 | Int(bytes[i]) }
        if length > NPYFormat.maxHeaderLength {
            throw NPYError.headerTooLong(file: source, length: length, limit: NPYFormat.maxHeaderLength)
        }
        return fieldEnd + length
    }

    private static func parseVersion(_ major: UInt8, _ minor: UInt8, source: String) throws -> NPYVersion {
        switch (major, minor) {
        case (1, 0): return .v1
        case (2, 0): return .v2
        case (3, 0): return .v3
        default: throw NPYError.unsupportedVersion(file: source, major: major, minor: minor)
        }
    }

    static func describeBytes(_ bytes: [UInt8]) -> String {
        "0x" + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Parses the header at the start of `prefix` (which may hold more bytes after it).
    static func parse(_ prefix: Data, source: String) throws -> NPYHeader {
        let needed = try requiredLength(prefix, source: source)
        guard prefix.count >= needed else {
            throw NPYError.truncatedHeader(file: source, needed: needed, available: prefix.count)
        }
        let bytes = [UInt8](prefix.prefix(needed))
        let version = try parseVersion(bytes[6], bytes[7], source: source)
        let textBytes = bytes[(NPYFormat.magicLength + version.lengthFieldSize)...]
        let text: String
        if version == .v3 {
            guard let s = String(validating: textBytes, as: UTF8.self) else {
                throw NPYError.malformedHeader(file: source, reason: "version 3.0 header is not valid UTF-8")
            }
            text = s
        } else if textBytes.allSatisfy({ $0 < 0x80 }) {
            text = String(decoding: textBytes, as: UTF8.self)  // ASCII, as numpy writes it: the fast path
        } else {
            text = String(String.UnicodeScalarView(textBytes.map { Unicode.Scalar($0) }))  // latin-1
        }
        let literal: PythonLiteral
        do {
            literal = try PythonLiteralParser.parse(text)
        } catch let failure as PythonLiteralParser.Failure {
            throw NPYError.malformedHeader(file: source, reason: failure.reason)
        }
        return try interpret(literal, version: version, headerLength: needed, source: source)
    }

    private static func interpret(_ literal: PythonLiteral, version: NPYVersion, headerLength: Int, source: String) throws -> NPYHeader {
        guard case .dict(let items) = literal else {
            throw NPYError.malformedHeader(file: source, reason: "expected a dict, found \(literal.description.prefix(60))")
        }
        var fields: [String: PythonLiteral] = [:]
        for (key, value) in items {
            guard case .string(let name) = key else {
                throw NPYError.malformedHeader(file: source, reason: "key \(key.description) is not a string")
            }
            guard ["descr", "fortran_order", "shape"].contains(name) else {
                throw NPYError.malformedHeader(file: source, reason: "unexpected key '\(name)' (expected descr, fortran_order, shape)")
            }
            guard fields[name] == nil else { throw NPYError.malformedHeader(file: source, reason: "key '\(name)' appears twice") }
            fields[name] = value
        }
        for name in ["descr", "fortran_order", "shape"] where fields[name] == nil {
            throw NPYError.malformedHeader(file: source, reason: "missing key '\(name)'")
        }
        let dtype: NPYDType
        switch fields["descr"]! {
        case .string(let descr): dtype = try NPYDType(descr: descr, source: source)
        case .list(let items): throw NPYError.structuredDType(file: source, descr: PythonLiteral.list(items).description)
        case let other: throw NPYError.malformedHeader(file: source, reason: "descr is \(other.description), expected a string")
        }
        guard case .bool(let fortran) = fields["fortran_order"]! else {
            throw NPYError.malformedHeader(
                file: source, reason: "fortran_order is \(fields["fortran_order"]!.description), expected True or False")
        }
        guard case .tuple(let dims) = fields["shape"]! else {
            throw NPYError.malformedHeader(file: source, reason: "shape is \(fields["shape"]!.description), expected a tuple")
        }
        if dims.count > NPYFormat.maxDimensions {
            throw NPYError.tooManyDimensions(file: source, count: dims.count, limit: NPYFormat.maxDimensions)
        }
        var shape: [Int] = []
        for d in dims {
            guard case .int(let value, let text) = d else {
                throw NPYError.malformedHeader(file: source, reason: "shape entry \(d.description) is not an integer")
            }
            guard let value else {
                if text.hasPrefix("-") { throw NPYError.negativeDimension(file: source, shape: []) }
                throw NPYError.shapeOverflow(file: source, shape: fields["shape"]!.description)
            }
            shape.append(value)
        }
        return try NPYHeader(
            dtype: dtype, shape: shape, fortranOrder: fortran, version: version, headerLength: headerLength, source: source)
    }

    // MARK: - Writing

    /// The header bytes numpy's `write_array` would write for this array (numpy >= 1.24 rules):
    /// keys sorted, room for the growth axis to reach 21 digits, padded with spaces and a final
    /// newline so the data starts at a multiple of 64; version 1.0 unless the header is longer
    /// than 65535 bytes (then 2.0), 3.0 only for non-latin-1 text.
    static func encode(dtype: NPYDType, shape: [Int], fortranOrder: Bool) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var text = "{'descr': '\(dtype.descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        if !shape.isEmpty {
            let growth = fortranOrder ? shape[shape.count - 1] : shape[0]
            text += String(repeating: " ", count: max(0, NPYFormat.growthAxisMaxDigits - String(growth).count))
        }
        let isLatin1 = text.unicodeScalars.allSatisfy { $0.value < 256 }
        let body: [UInt8] = isLatin1 ? text.unicodeScalars.map { UInt8($0.value) } : Array(text.utf8)
        for version in [NPYVersion.v1, .v2, .v3] {
            if !isLatin1 && version != .v3 { continue }
            let fieldSize = version.lengthFieldSize
            let hlen = body.count + 1
            let padding = NPYFormat.alignment - (NPYFormat.magicLength + fieldSize + hlen) % NPYFormat.alignment
            let total = hlen + padding
            if version == .v1 && total > Int(UInt16.max) { continue }
            var out = Data(NPYFormat.magic)
            out.append(version.bytes.0)
            out.append(version.bytes.1)
            for i in 0..<fieldSize { out.append(UInt8(truncatingIfNeeded: total >> (8 * i))) }
            out.append(contentsOf: body)
            out.append(contentsOf: [UInt8](repeating: 0x20, count: padding))
            out.append(0x0A)
            return out
        }
        preconditionFailure("unreachable: version 3.0 accepts any header")
    }
}
