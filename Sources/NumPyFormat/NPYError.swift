import Foundation
import SafeIO

/// Why a `.npy` file or array was refused. Every message names the source (a file path, or
/// `archive.npz:member`) and the offending value, on one line.
public enum NPYError: Error, LocalizedError, Equatable {
    /// The file does not start with `\x93NUMPY`.
    case badMagic(source: String, found: String)
    /// A format version other than 1.0, 2.0 or 3.0.
    case unsupportedVersion(source: String, major: UInt8, minor: UInt8)
    /// Fewer bytes than the magic, the length field or the header itself need.
    case truncatedHeader(source: String, needed: Int, available: Int)
    /// The header is longer than numpy's own limit (10000 bytes).
    case headerTooLong(source: String, length: Int, limit: Int)
    /// The header is not the Python dict literal numpy writes.
    case malformedHeader(source: String, reason: String)
    /// `descr` is `|O`: the data is pickled Python objects.
    case objectArray(source: String, descr: String)
    /// `descr` is a list of fields (a structured dtype).
    case structuredDType(source: String, descr: String)
    /// `descr` is a complex dtype (`c8`, `c16`, ...).
    case complexDType(source: String, descr: String)
    /// `descr` is a dtype WeightBridge does not read.
    case unknownDType(source: String, descr: String)
    /// More dimensions than NumPy allows (64), on read or write.
    case tooManyDimensions(source: String, count: Int, limit: Int)
    /// A negative dimension in `shape`.
    case negativeDimension(source: String, shape: [Int])
    /// The element count or byte count of `shape` overflows.
    case shapeOverflow(source: String, shape: String)
    /// The data is shorter than the header's shape and dtype claim.
    case truncatedData(source: String, expectedBytes: UInt64, foundBytes: UInt64)
    /// The data byte count is above `ResourceLimits.maxArrayBytes`.
    case arrayTooLarge(source: String, bytes: UInt64, limit: UInt64)
    /// An array's `data` does not hold `count * itemSize` bytes.
    case byteCountMismatch(expected: Int, found: Int)
    /// An accessor asked for values the dtype cannot give (e.g. `int64s()` of a float array).
    case wrongElementType(descr: String, wanted: String)
    /// A value cannot be stored exactly in the requested dtype.
    case valueNotRepresentable(value: String, descr: String)
    /// An element of an array of dtype `descr` does not fit the Swift type it is read as (`wanted`).
    case valueDoesNotFit(value: String, descr: String, wanted: String)
    /// A value count that does not match the shape.
    case valueCountMismatch(shape: [Int], expected: Int, found: Int)

    public var errorDescription: String? {
        switch self {
        case .badMagic(let source, let found):
            return "\(source): not a .npy file (starts with \(found.printable()), expected \\x93NUMPY)"
        case .unsupportedVersion(let source, let major, let minor):
            return "\(source): .npy format version \(major).\(minor) is not supported (expected 1.0, 2.0 or 3.0)"
        case .truncatedHeader(let source, let needed, let available):
            return "\(source): .npy header is truncated (needs \(needed) bytes, found \(available))"
        case .headerTooLong(let source, let length, let limit):
            return "\(source): .npy header is \(length) bytes, over numpy's limit of \(limit)"
        case .malformedHeader(let source, let reason):
            return "\(source): malformed .npy header: \(reason.printable(limit: 200))"
        case .objectArray(let source, let descr):
            return "\(source): object arrays (descr '\(descr.printable())') need pickle, which WeightBridge never runs"
        case .structuredDType(let source, let descr):
            return "\(source): structured dtype \(descr.printable()) is not supported (expected a plain numeric dtype such as '<f8')"
        case .complexDType(let source, let descr):
            return "\(source): complex dtype '\(descr.printable())' is not supported (expected a real numeric dtype such as '<f8')"
        case .unknownDType(let source, let descr):
            return "\(source): unsupported dtype '\(descr.printable())' (expected f2/f4/f8, i1-i8, u1-u8 or b1 with < > or |)"
        case .tooManyDimensions(let source, let count, let limit):
            return "\(source): shape has \(count) dimensions, over NumPy's limit of \(limit)"
        case .negativeDimension(let source, let shape):
            return "\(source): negative dimension in shape \(shape)"
        case .shapeOverflow(let source, let shape):
            return "\(source): shape \(shape.printable(limit: 200)) overflows the element or byte count"
        case .truncatedData(let source, let expected, let found):
            return "\(source): data is truncated (header claims \(expected) bytes, found \(found))"
        case .arrayTooLarge(let source, let bytes, let limit):
            return "\(source): array is \(bytes) bytes, over the limit of \(limit) bytes"
        case .byteCountMismatch(let expected, let found):
            return "array data is \(found) bytes, expected \(expected) for its shape and dtype"
        case .wrongElementType(let descr, let wanted):
            return "array of dtype '\(descr.printable())' cannot be read as \(wanted)"
        case .valueNotRepresentable(let value, let descr):
            return "value \(value.printable()) cannot be stored exactly as dtype '\(descr.printable())'"
        case .valueDoesNotFit(let value, let descr, let wanted):
            return "value \(value.printable()) of an array of dtype '\(descr.printable())' cannot be read exactly as \(wanted)"
        case .valueCountMismatch(let shape, let expected, let found):
            return "\(found) values given for shape \(shape), expected \(expected)"
        }
    }
}
