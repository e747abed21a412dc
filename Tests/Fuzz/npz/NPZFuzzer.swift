// libFuzzer harness: the `.npz` reader. The input is written to a temporary file, opened as an
// `NPZArchive` with small limits, and every member's header and array are read.
// Built by scripts/fuzz.sh (not a SwiftPM target).
import Foundation
import NumPyFormat
import SafeIO

private let limits = ResourceLimits(maxArrayBytes: 64 << 20, maxTotalBytes: 256 << 20, maxMembers: 4096)
private let path: URL = {
    let dir = ProcessInfo.processInfo.environment["FUZZ_TMPDIR"] ?? NSTemporaryDirectory()
    return URL(fileURLWithPath: dir).appendingPathComponent("npz-fuzz-\(getpid()).npz")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    guard (try? data.write(to: path)) != nil else { fatalError("cannot write \(path.path)") }
    guard let archive = try? NPZArchive(url: path, limits: limits) else { return 0 }
    for name in archive.names {
        _ = try? archive.header(name)
        _ = try? archive.array(name)
    }
    return 0
}
