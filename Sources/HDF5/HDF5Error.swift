import Foundation
import SafeIO

/// Errors from the HDF5 layer. Each names the file and the object path inside it, and says what was
/// found and what was expected; libhdf5 failures carry libhdf5's own message from its error stack.
public enum HDF5Error: WeightBridgeError, Equatable {
    /// A libhdf5 call failed; `message` is the top (and, when different, innermost) message of its error stack.
    case library(file: String, object: String, operation: String, message: String)
    /// The object does not exist.
    case notFound(file: String, object: String, expected: String)
    /// The object exists but is not what was asked for (a dataset where a group was expected, ...).
    case wrongKind(file: String, object: String, expected: String, found: String)
    /// The file uses a feature refused for safety (external links, external storage, virtual datasets, soft links).
    case refused(file: String, object: String, reason: String)
    /// A declared size is over `ResourceLimits` or overflows.
    case limitExceeded(file: String, object: String, what: String, bytes: UInt64, limit: UInt64)
    /// The raw storage is smaller than the declared size (a truncated or forged file).
    case storageTooSmall(file: String, object: String, declared: UInt64, stored: UInt64)
    /// The element type cannot be read as asked.
    case unsupportedType(file: String, object: String, found: String, expected: String)
    /// A value given to a write does not fit (shape and value count disagree, ...).
    case invalidArgument(file: String, object: String, reason: String)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .library(let file, let object, let operation, let message):
            (file, "\(object.printable(limit: 120)): \(operation) failed: \(message.printable(limit: 200))")
        case .notFound(let file, let object, let expected): (file, "no \(expected) '\(object.printable(limit: 120))'")
        case .wrongKind(let file, let object, let expected, let found):
            (file, "'\(object.printable(limit: 120))' is a \(found.printable(limit: 200)), expected a \(expected)")
        case .refused(let file, let object, let reason): (file, "'\(object.printable(limit: 120))': \(reason.printable(limit: 200))")
        case .limitExceeded(let file, let object, let what, let bytes, let limit):
            (file, "'\(object.printable(limit: 120))': \(what) is " + ResourceLimits.overLimit(bytes, limit: limit, unit: "bytes"))
        case .storageTooSmall(let file, let object, let declared, let stored) where stored == 0:
            (
                file,
                "'\(object.printable(limit: 120))': declares \(declared) bytes but none were ever written "
                    + "(h5py would read its fill value); refused as never written"
            )
        case .storageTooSmall(let file, let object, let declared, let stored):
            (
                file,
                "'\(object.printable(limit: 120))': declares \(declared) bytes but only \(stored) bytes are stored (truncated or corrupt file)"
            )
        case .unsupportedType(let file, let object, let found, let expected):
            (file, "'\(object.printable(limit: 120))': element type is \(found.printable(limit: 200)), expected \(expected)")
        case .invalidArgument(let file, let object, let reason):
            (file, "'\(object.printable(limit: 120))': \(reason.printable(limit: 200))")
        }
    }
}
