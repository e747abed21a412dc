// libFuzzer harness: `.npy` header parser and `NPYFile.decode` on arbitrary bytes.
// Built by scripts/fuzz.sh (not a SwiftPM target). Every input must decode or throw; a trap,
// sanitizer report, timeout or out-of-memory is a finding.
import Foundation
import NumPyFormat
import SafeIO

private let limits = ResourceLimits(maxArrayBytes: 64 << 20, maxTotalBytes: 256 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    _ = try? NPYFile.decodeHeader(data, source: "fuzz.npy")
    guard let array = try? NPYFile.decode(data, source: "fuzz.npy", limits: limits) else { return 0 }
    // Exercise the value accessors and re-encoding on whatever decoded.
    _ = try? array.floats()
    _ = try? array.doubles()
    _ = try? array.int64s()
    _ = try? array.uint8s()
    if let encoded = try? NPYFile.encode(array) {
        // A decoded array re-encodes to bytes that decode to the same array.
        guard let again = try? NPYFile.decode(encoded, source: "re-encoded.npy", limits: limits), again == array else {
            fatalError("re-encoded array does not decode to the same array")
        }
    }
    return 0
}
