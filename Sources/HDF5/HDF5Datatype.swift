import CHDF5

/// The element type of a dataset or attribute, as WeightBridge sees it.
public enum HDF5ElementType: Sendable, Equatable, CustomStringConvertible {
    case float16, float32, float64
    /// bfloat16 as h5py stores `ml_dtypes.bfloat16` for Keras 3: a 2-byte opaque type (raw little-endian bits),
    /// marked by Keras with a dataset attribute `dtype = "bfloat16"` in `.weights.h5` and `.keras` (legacy `.h5`
    /// drops the attribute). Any untagged 2-byte opaque type is read as bfloat16: it is the only one Keras writes.
    case bfloat16
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    /// A fixed-length string of `size` bytes.
    case fixedString(size: Int)
    /// A variable-length string.
    case variableString
    /// Anything else (compound, enum, reference, ...), with libhdf5's class name.
    case other(String)

    /// Bytes per element in the file (0 for variable-length strings and unknown types).
    public var byteSize: Int {
        switch self {
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        case .int8, .uint8: return 1
        case .fixedString(let size): return size
        case .variableString, .other: return 0
        }
    }

    /// True for the numeric types `readFloats`/`readDoubles` convert.
    public var isNumeric: Bool {
        switch self {
        case .fixedString, .variableString, .other: return false
        default: return true
        }
    }

    /// NumPy-like spelling: `float32`, `int16`, `|S7`, `str`.
    public var description: String {
        switch self {
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .float32: return "float32"
        case .float64: return "float64"
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .fixedString(let size): return "|S\(size)"
        case .variableString: return "str"
        case .other(let name): return name
        }
    }
}

/// A libhdf5 datatype (owned), classified into an `HDF5ElementType`.
final class HDF5Datatype {
    let handle: Handle
    let elementType: HDF5ElementType
    /// For strings: whether the file says UTF-8 (otherwise ASCII).
    let isUTF8: Bool

    /// Takes ownership of `id` (from H5Dget_type / H5Aget_type) and classifies it.
    init(_ id: hid_t, _ location: HDF5Location) throws {
        handle = try Handle(id, .datatype, location, "H5?get_type")
        let size = H5Tget_size(id)
        let cls = H5Tget_class(id)
        var utf8 = false
        switch cls {
        case H5T_FLOAT:
            switch size {
            case 2: elementType = .float16
            case 4: elementType = .float32
            case 8: elementType = .float64
            default: elementType = .other("float\(size * 8)")
            }
        case H5T_INTEGER:
            let signed = H5Tget_sign(id) == H5T_SGN_2
            switch (size, signed) {
            case (1, true): elementType = .int8
            case (2, true): elementType = .int16
            case (4, true): elementType = .int32
            case (8, true): elementType = .int64
            case (1, false): elementType = .uint8
            case (2, false): elementType = .uint16
            case (4, false): elementType = .uint32
            case (8, false): elementType = .uint64
            default: elementType = .other("int\(size * 8)")
            }
        case H5T_STRING:
            utf8 = H5Tget_cset(id) == H5T_CSET_UTF8
            if H5Tis_variable_str(id) > 0 {
                elementType = .variableString
            } else {
                elementType = .fixedString(size: size)
            }
        case H5T_COMPOUND: elementType = .other("compound")
        case H5T_ENUM: elementType = .other("enum")
        case H5T_REFERENCE: elementType = .other("reference")
        case H5T_OPAQUE:
            elementType =
                size == 2 && HDF5Datatype.opaqueTag(id).map({ $0.isEmpty || $0 == "bfloat16" }) == true ? .bfloat16 : .other("opaque")
        case H5T_VLEN: elementType = .other("vlen")
        case H5T_ARRAY: elementType = .other("array")
        case H5T_BITFIELD: elementType = .other("bitfield")
        case H5T_TIME: elementType = .other("time")
        default: elementType = .other("unknown type class \(cls.rawValue)")
        }
        isUTF8 = utf8
    }

    /// The tag of an opaque type ("" when untagged), or nil when libhdf5 cannot give it.
    private static func opaqueTag(_ id: hid_t) -> String? {
        guard let tag = H5Tget_tag(id) else {
            _ = H5Eclear2(wb_H5E_DEFAULT())
            return nil
        }
        defer { H5free_memory(tag) }
        return String(cString: tag)
    }
}
