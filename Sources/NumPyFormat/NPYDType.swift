import Foundation

/// Byte order of an element type: `.notApplicable` for one-byte types (numpy's `|`).
public enum NPYByteOrder: Sendable {
    case little, big, notApplicable

    /// The order of the machine running this code.
    public static var host: NPYByteOrder { 1.littleEndian == 1 ? .little : .big }
}

/// The element types WeightBridge reads and writes: real floats, signed and unsigned integers, bool.
public enum NPYElementType: String, Sendable, CaseIterable {
    case float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// numpy's kind character (`f`, `i`, `u`, `b`).
    var kind: Character {
        switch self {
        case .float16, .float32, .float64: return "f"
        case .int8, .int16, .int32, .int64: return "i"
        case .uint8, .uint16, .uint32, .uint64: return "u"
        case .bool: return "b"
        }
    }

    /// True for the floating-point types.
    public var isFloatingPoint: Bool { kind == "f" }
}

/// A numpy dtype as written in a `.npy` header's `descr`: byte order, kind and item size
/// (`"<f8"`, `">i4"`, `"|u1"`, `"|b1"`).
///
/// One-byte types always have `.notApplicable` byte order (written `|`); multi-byte types are
/// `.little` or `.big`. Object, structured, complex, string and datetime dtypes are refused.
public struct NPYDType: Equatable, Sendable {
    public let elementType: NPYElementType
    public let byteOrder: NPYByteOrder

    /// The `descr` string numpy writes for this dtype.
    public var descr: String {
        let order: String
        switch byteOrder {
        case .little: order = "<"
        case .big: order = ">"
        case .notApplicable: order = "|"
        }
        return "\(order)\(elementType.kind)\(elementType.itemSize)"
    }

    /// Bytes per element.
    public var itemSize: Int { elementType.itemSize }

    /// True when elements are stored in the host's byte order (always for one-byte types).
    public var isHostOrder: Bool { byteOrder == .notApplicable || byteOrder == NPYByteOrder.host }

    /// A dtype of `type`; one-byte types get `.notApplicable` whatever `byteOrder` says.
    public init(_ type: NPYElementType, byteOrder: NPYByteOrder = .little) {
        elementType = type
        if type.itemSize == 1 {
            self.byteOrder = .notApplicable
        } else {
            self.byteOrder = byteOrder == .notApplicable ? .little : byteOrder
        }
    }

    /// Parses a `descr` string such as `"<f8"`, `">u2"`, `"|b1"`.
    ///
    /// Throws `NPYError.objectArray` for `O`, `.complexDType` for `c8`/`c16`, `.unknownDType`
    /// for anything else outside f2/f4/f8, i1-i8, u1-u8, b1 (including `|` on a multi-byte type).
    public init(descr: String) throws {
        try self.init(descr: descr, source: "dtype")
    }

    init(descr: String, source: String) throws {
        var rest = Substring(descr)
        var order: NPYByteOrder?
        switch rest.first {
        case "<": order = .little
        case ">": order = .big
        case "|": order = .notApplicable
        default: order = nil
        }
        if order != nil { rest = rest.dropFirst() }
        if rest == "O" || rest == "O8" || rest == "O4" { throw NPYError.objectArray(file: source, descr: descr) }
        if let k = rest.first, k == "c" { throw NPYError.complexDType(file: source, descr: descr) }
        let types: [String: NPYElementType] = [
            "f2": .float16, "f4": .float32, "f8": .float64, "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64,
            "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64, "b1": .bool,
        ]
        guard let type = types[String(rest)], let order else {
            throw NPYError.unknownDType(file: source, descr: descr)
        }
        if type.itemSize > 1 && order == .notApplicable {
            throw NPYError.unknownDType(file: source, descr: descr)
        }
        self.init(type, byteOrder: order)
    }

    /// Little-endian float32 (`<f4`).
    public static let float32 = NPYDType(.float32)
    /// Little-endian float64 (`<f8`).
    public static let float64 = NPYDType(.float64)
    /// Unsigned bytes (`|u1`).
    public static let uint8 = NPYDType(.uint8)
}
