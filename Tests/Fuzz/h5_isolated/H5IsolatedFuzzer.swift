// libFuzzer harness: the .h5 entry point as the weightbridge command uses it. The input is written to a
// temporary file and read with `KerasModelFile.readOrList` through the isolated reader: libhdf5 runs in a child
// process (`$WEIGHTBRIDGE_BIN _read-h5`, the release binary, 2 s deadline) and its answer is decoded here as
// hostile input. A finding is anything that crashes, hangs or leaks in THIS process; a child that crashes or
// hangs inside libhdf5 must come back as a KerasFormatError. Counts of each outcome are written to
// $FUZZ_TMPDIR/outcomes.txt every 10 inputs.
import Foundation
import KerasFormat
import SafeIO

private let limits = ResourceLimits(
    maxArrayBytes: 64 << 20, maxTotalBytes: 256 << 20, maxMembers: 4096, maxConfigBytes: 1 << 20, maxConfigDepth: 64)
private let tmp = ProcessInfo.processInfo.environment["FUZZ_TMPDIR"] ?? NSTemporaryDirectory()
private let path = URL(fileURLWithPath: tmp).appendingPathComponent("h5-isolated-\(getpid()).h5")
private let isolation: KerasReadIsolation = {
    guard let bin = ProcessInfo.processInfo.environment["WEIGHTBRIDGE_BIN"] else { fatalError("set WEIGHTBRIDGE_BIN") }
    return .childProcess(KerasChildReader(executable: URL(fileURLWithPath: bin), arguments: ["_read-h5"], timeoutSeconds: 2))
}()
nonisolated(unsafe) private var outcomes: [String: Int] = [:]
nonisolated(unsafe) private var runs = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    guard (try? data.write(to: path)) != nil else { fatalError("cannot write \(path.path)") }
    let outcome: String
    do {
        switch try KerasModelFile.readOrList(path, limits: limits, isolation: isolation) {
        case .keras: outcome = "read as Keras"
        case .hdf5: outcome = "listed as plain HDF5"
        }
    } catch let error as KerasFormatError {
        switch error {
        case .refusedByReader: outcome = "refused with the reader's typed error"
        case .readerCrashed(_, let signal): outcome = "child crashed in libhdf5 (\(signal)), contained"
        case .readerTimedOut: outcome = "child timed out (2 s), contained"
        case .readerFailed: outcome = "reader failed (bad answer/exit)"
        default: outcome = "refused by the parent's checks"
        }
    } catch is SafeIOError {
        outcome = "refused by a limit in the parent"
    } catch {
        fatalError("untyped error from the isolated reader: \(error)")
    }
    outcomes[outcome, default: 0] += 1
    runs += 1
    if runs % 10 == 0 {
        let text = outcomes.sorted { $0.key < $1.key }.map { "\($0.value)\t\($0.key)" }.joined(separator: "\n")
        try? (text + "\n").write(toFile: tmp + "/outcomes.txt", atomically: true, encoding: .utf8)
    }
    return 0
}
