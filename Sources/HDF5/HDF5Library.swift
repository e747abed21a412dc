import CHDF5
import Foundation
import SafeIO

/// Process-wide access to libhdf5. Serial libhdf5 is not thread-safe, so every call into it goes through
/// `HDF5Library.locked`, which holds one recursive lock. The first use initialises the library, turns off
/// libhdf5's automatic printing of error stacks (errors become `HDF5Error`s instead) and disables the
/// loading of filter plugins (a file must never make WeightBridge load code).
enum HDF5Library {
    private static let lock = NSRecursiveLock()
    private static let initialised: Bool = {
        _ = wb_h5_open()
        _ = H5Eset_auto2(wb_H5E_DEFAULT(), nil, nil)
        _ = H5PLset_loading_state(0)
        return true
    }()

    /// Runs `body` holding the libhdf5 lock (after initialising the library once).
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        _ = initialised
        return try body()
    }

    /// The current error stack as one line (top message, and the innermost one when it says more); clears the stack.
    static func errorStackMessage() -> String {
        final class Collector { var messages: [String] = [] }
        let collector = Collector()
        let box = Unmanaged.passRetained(collector)
        defer { box.release() }
        _ = H5Ewalk2(
            wb_H5E_DEFAULT(), H5E_WALK_DOWNWARD,
            { _, entry, data in
                guard let entry, let data else { return 0 }
                let c = Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue()
                if let desc = entry.pointee.desc {
                    c.messages.append(String(cString: desc))
                }
                return 0
            }, box.toOpaque())
        _ = H5Eclear2(wb_H5E_DEFAULT())
        let messages = collector.messages.filter { !$0.isEmpty }
        guard let top = messages.first else { return "unknown libhdf5 error" }
        if let inner = messages.last, inner != top { return "\(top) (\(inner))" }
        return top
    }
}

/// Where an object lives, for error messages and limits: the file's path and the object's path inside it.
struct HDF5Location: Sendable {
    var file: String
    var object: String
    var limits: ResourceLimits

    func child(_ name: String) -> HDF5Location {
        HDF5Location(file: file, object: object == "/" ? "/" + name : object + "/" + name, limits: limits)
    }

    /// Throws `HDF5Error.library` with the error stack if `status` is negative.
    @discardableResult
    func check<T: BinaryInteger>(_ status: T, _ operation: String) throws -> T {
        if status < 0 {
            throw HDF5Error.library(file: file, object: object, operation: operation, message: HDF5Library.errorStackMessage())
        }
        return status
    }
}
