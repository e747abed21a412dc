import Foundation
import SafeIO

/// Why a `.npy` file or array was refused. Every message names the file (a path, or
/// `archive.npz:member`) and the offending value, on one line.
public enum NPYError: WeightBridgeError, Equatable {
    /// The file does not start with `\x93NUMPY`.
    case badMagic(file: String, found: String)
    /// A format version other than 1.0, 2.0 or 3.0.
    case unsupportedVersion(file: String, major: UInt8, minor: UInt8)
    /// Fewer bytes than the magic, the length field or the header itself need.
    case truncatedHeader(file: String, needed: Int, available: Int)
    /// The header is longer than numpy's own limit (10000 bytes).
    case headerTooLong(file: String, length: Int, limit: Int)
    /// The header is not the Python dict literal numpy writes.
    case malformedHeader(file: String, reason: String)
    /// `descr` is `|O`: the data is pickled Python objects.
    case objectArray(file: String, descr: String)
    /// `descr` is a list of fields (a structured dtype).
    case structuredDType(file: String, descr: String)
    /// `descr` is a complex dtype (`c8`, `c16`, ...).
    case complexDType(file: String, descr: String)
    /// `descr` is a dtype WeightBridge does not read.
    case unknownDType(file: String, descr: String)
    /// More dimensions than NumPy allows (64), on read or write.
    case tooManyDimensions(file: String, count: Int, limit: Int)
    /// A negative dimension in `shape`.
    case negativeDimension(file: String, shape: [Int])
    /// The element count or byte count of `shape` overflows.
    case shapeOverflow(file: String, shape: String)
    /// The data is shorter than the header's shape and dtype claim.
    case truncatedData(file: String, expectedBytes: UInt64, foundBytes: UInt64)
    /// The data byte count is above `ResourceLimits.maxArrayBytes`.
    case arrayTooLarge(file: String, bytes: UInt64, limit: UInt64)
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

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .badMagic(let file, let found): (file, "not a .npy file (starts with \(found.printable()), expected \\x93NUMPY)")
        case .unsupportedVersion(let file, let major, let minor):
            (file, ".npy format version \(major).\(minor) is not supported (expected 1.0, 2.0 or 3.0)")
        case .truncatedHeader(let file, let needed, let available):
            (file, ".npy header is truncated (needs \(needed) bytes, found \(available))")
        case .headerTooLong(let file, let length, let limit):
            (file, ".npy header is " + ResourceLimits.overLimit(length, limit: limit, unit: "bytes", whose: "NumPy's"))
        case .malformedHeader(let file, let reason): (file, "malformed .npy header: \(reason.printable(limit: 200))")
        case .objectArray(let file, let descr):
            (file, "object arrays (descr '\(descr.printable())') need pickle, which WeightBridge never runs")
        case .structuredDType(let file, let descr):
            (file, "structured dtype \(descr.printable()) is not supported (expected a plain numeric dtype such as '<f8')")
        case .complexDType(let file, let descr):
            (file, "complex dtype '\(descr.printable())' is not supported (expected a real numeric dtype such as '<f8')")
        case .unknownDType(let file, let descr):
            (file, "unsupported dtype '\(descr.printable())' (expected f2/f4/f8, i1-i8, u1-u8 or b1 with < > or |)")
        case .tooManyDimensions(let file, let count, let limit):
            (file, "shape has " + ResourceLimits.overLimit(count, limit: limit, unit: "dimensions", whose: "NumPy's"))
        case .negativeDimension(let file, let shape): (file, "negative dimension in shape \(shape)")
        case .shapeOverflow(let file, let shape): (file, "shape \(shape.printable(limit: 200)) overflows the element or byte count")
        case .truncatedData(let file, let expected, let found):
            (file, "data is truncated (header claims \(expected) bytes, found \(found))")
        case .arrayTooLarge(let file, let bytes, let limit):
            (file, "array is " + ResourceLimits.overLimit(bytes, limit: limit, unit: "bytes"))
        case .byteCountMismatch(let expected, let found):
            (nil, "array data is \(found) bytes, expected \(expected) for its shape and dtype")
        case .wrongElementType(let descr, let wanted): (nil, "array of dtype '\(descr.printable())' cannot be read as \(wanted)")
        case .valueNotRepresentable(let value, let descr):
            (nil, "value \(value.printable()) cannot be stored exactly as dtype '\(descr.printable())'")
        case .valueDoesNotFit(let value, let descr, let wanted):
            (nil, "value \(value.printable()) of an array of dtype '\(descr.printable())' cannot be read exactly as \(wanted)")
        case .valueCountMismatch(let shape, let expected, let found):
            (nil, "\(found) values given for shape \(shape), expected \(expected)")
        }
    }
}
