import NumPyFormat

/// An element type of a `.safetensors` tensor, named as the header spells it (`F32`, `BF16`, ...).
///
/// The cases are the dtypes WeightBridge reads and writes; the reference's 4-, 6- and 8-bit floats and
/// complex `C64` are refused by name (`SafeTensorsError.unsupportedDType`). Declaration order is the
/// reference's `Dtype` enum order (increasing alignment), which its writer sorts by.
public enum SafeTensorsDType: String, Sendable, CaseIterable, Comparable {
    case bool = "BOOL"
    case uint8 = "U8"
    case int8 = "I8"
    case int16 = "I16"
    case uint16 = "U16"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int32 = "I32"
    case uint32 = "U32"
    case float32 = "F32"
    case float64 = "F64"
    case int64 = "I64"
    case uint64 = "U64"

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .int16, .uint16, .float16, .bfloat16: return 2
        case .int32, .uint32, .float32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// Position in the reference's `Dtype` enum: the writer orders tensors by this, descending.
    var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }

    /// The little-endian NumPy dtype holding the same values, or nil for `BF16` (NumPy has none).
    public var npyElementType: NPYElementType? {
        switch self {
        case .bool: return .bool
        case .uint8: return .uint8
        case .int8: return .int8
        case .int16: return .int16
        case .uint16: return .uint16
        case .float16: return .float16
        case .bfloat16: return nil
        case .int32: return .int32
        case .uint32: return .uint32
        case .float32: return .float32
        case .float64: return .float64
        case .int64: return .int64
        case .uint64: return .uint64
        }
    }

    /// The safetensors dtype of a NumPy element type (every NumPy type WeightBridge reads has one).
    public init(_ type: NPYElementType) {
        switch type {
        case .bool: self = .bool
        case .uint8: self = .uint8
        case .int8: self = .int8
        case .int16: self = .int16
        case .uint16: self = .uint16
        case .float16: self = .float16
        case .int32: self = .int32
        case .uint32: self = .uint32
        case .float32: self = .float32
        case .float64: self = .float64
        case .int64: self = .int64
        case .uint64: self = .uint64
        }
    }

    /// The reference's dtypes that WeightBridge recognises but does not read.
    static let knownUnsupported: Set<String> = [
        "F4", "F6_E2M3", "F6_E3M2", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "C64",
    ]
}
