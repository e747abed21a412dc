// libFuzzer harness: the HDF5 entry points. The input is written to a temporary file, read with
// `KerasModelFile.read` (attributes, model_config, layer groups, every weight) and listed with
// `HDF5File.open(...).treeDescription()`, under small limits. Built by scripts/fuzz.sh with libhdf5
// (pkg-config hdf5), which is not instrumented: crashes inside libhdf5 show as ASan reports whose top
// frames are in libhdf5.so; see Fixtures/fuzz/h5/known_libhdf5_findings.txt and Docs/reliability.md.
import Foundation
import HDF5
import KerasFormat
import SafeIO

private let limits = ResourceLimits(
    maxArrayBytes: 64 << 20, maxTotalBytes: 256 << 20, maxMembers: 4096, maxConfigBytes: 1 << 20, maxConfigDepth: 64)
private let path: URL = {
    let dir = ProcessInfo.processInfo.environment["FUZZ_TMPDIR"] ?? NSTemporaryDirectory()
    return URL(fileURLWithPath: dir).appendingPathComponent("h5-fuzz-\(getpid()).h5")
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    guard (try? data.write(to: path)) != nil else { fatalError("cannot write \(path.path)") }
    _ = try? KerasModelFile.read(path, limits: limits)
    if let file = try? HDF5File.open(path, limits: limits) {
        _ = try? file.treeDescription()
        try? file.close()
    }
    return 0
}
