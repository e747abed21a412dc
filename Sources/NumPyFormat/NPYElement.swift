/// A Swift type that an array's elements can be read as and written from: `Float16`, `Float`, `Double`,
/// `Int8`...`Int64`, `UInt8`...`UInt64` and `Bool`, each stored as the numpy dtype of the same width and kind.
///
/// `NPYArray(shape:values:)` writes `[T]` as `T.npyElementType` (little-endian) and `values(as:)` reads any
/// array as `[T]`. The conversions are exact where the value fits: integers never pass through `Double`, so
/// `Int64.min` and `UInt64.max` round-trip. The conformances this package declares are the supported set;
/// a type declared elsewhere must have the size of its `npyElementType` and convert as documented on
/// ``init(npyStored:)``.
public protocol NPYElement: Sendable {
    /// The element type `[Self]` is written as.
    static var npyElementType: NPYElementType { get }
    /// The value of one stored element, or nil when it cannot be represented exactly (an integer out of
    /// range, a fraction or a float for an integer type). Floating-point types round to nearest instead.
    init?(npyStored value: NPYStoredValue)
}

/// One element as stored, widened without loss: every float dtype (f2, f4, f8) as `Double`, signed integers
/// and bool (0 or 1) as `Int64`, unsigned integers as `UInt64`.
public enum NPYStoredValue: Sendable, Equatable {
    case floatingPoint(Double)
    case signed(Int64)
    case unsigned(UInt64)
}

extension Float16: NPYElement {
    public static var npyElementType: NPYElementType { .float16 }
    /// Rounds to nearest (a float32 or float64 array read as `Float16` loses precision; large values give infinity).
    public init?(npyStored value: NPYStoredValue) {
        switch value {
        case .floatingPoint(let v): self.init(v)
        case .signed(let v): self.init(Float(v))
        case .unsigned(let v): self.init(Float(v))
        }
    }
}

extension Float: NPYElement {
    public static var npyElementType: NPYElementType { .float32 }
    /// Rounds to nearest: float64 values and integers above 2^24 in magnitude may change.
    public init?(npyStored value: NPYStoredValue) {
        switch value {
        case .floatingPoint(let v): self.init(v)
        case .signed(let v): self.init(v)
        case .unsigned(let v): self.init(v)
        }
    }
}

extension Double: NPYElement {
    public static var npyElementType: NPYElementType { .float64 }
    /// Exact for every float dtype; integers above 2^53 in magnitude round to nearest.
    public init?(npyStored value: NPYStoredValue) {
        switch value {
        case .floatingPoint(let v): self = v
        case .signed(let v): self.init(v)
        case .unsigned(let v): self.init(v)
        }
    }
}

extension Bool: NPYElement {
    public static var npyElementType: NPYElementType { .bool }
    /// `true` for 1 and `false` for 0, from bool and integer dtypes; nil for other integers and for floats.
    public init?(npyStored value: NPYStoredValue) {
        switch value {
        case .signed(0), .unsigned(0): self = false
        case .signed(1), .unsigned(1): self = true
        default: return nil
        }
    }
}

/// Integer conformances: exact conversion from integer and bool dtypes, nil when out of range or from floats.
public protocol NPYIntegerElement: NPYElement, FixedWidthInteger {}

extension NPYIntegerElement {
    /// The integer itself when it fits `Self`; nil for values out of range and for floating-point elements.
    public init?(npyStored value: NPYStoredValue) {
        switch value {
        case .floatingPoint: return nil
        case .signed(let v): self.init(exactly: v)
        case .unsigned(let v): self.init(exactly: v)
        }
    }
}

extension Int8: NPYIntegerElement { public static var npyElementType: NPYElementType { .int8 } }
extension Int16: NPYIntegerElement { public static var npyElementType: NPYElementType { .int16 } }
extension Int32: NPYIntegerElement { public static var npyElementType: NPYElementType { .int32 } }
extension Int64: NPYIntegerElement { public static var npyElementType: NPYElementType { .int64 } }
extension UInt8: NPYIntegerElement { public static var npyElementType: NPYElementType { .uint8 } }
extension UInt16: NPYIntegerElement { public static var npyElementType: NPYElementType { .uint16 } }
extension UInt32: NPYIntegerElement { public static var npyElementType: NPYElementType { .uint32 } }
extension UInt64: NPYIntegerElement { public static var npyElementType: NPYElementType { .uint64 } }

/// `Int` is written as int64 (numpy's default integer on 64-bit platforms) and read exactly from integer dtypes.
extension Int: NPYIntegerElement { public static var npyElementType: NPYElementType { .int64 } }
