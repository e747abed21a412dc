import Foundation
import TestSupport
import XCTest

/// Real signals sent to the built binary while it writes (`SafeIO.TemporaryFiles`): SIGINT, SIGTERM and SIGHUP leave
/// no temporary file and the previous output intact; after SIGKILL, which nothing can catch, the next write to the
/// directory removes the dead writer's temporary.
final class SignalDuringWriteTests: XCTestCase {
    /// A 48 MiB float32 array of noise: deflating it takes long enough (seconds in a debug build) for a signal to
    /// arrive while the temporary file is being written.
    private func makeInput(_ dir: TemporaryDirectory) throws -> URL {
        let url = dir.file("noise.npz")
        _ = try runPython(
            """
            import numpy as np, sys
            np.savez(sys.argv[1], noise=np.random.default_rng(1).random(12 << 20, dtype=np.float32))
            """, args: [url.path])
        return url
    }

    /// Starts `weightbridge args` and returns it once a temporary file of `target` exists in `dir` (polling the
    /// directory, with a generous deadline that only a broken test reaches).
    private func startAndWaitForTemporary(_ arguments: [String], target: String, in dir: URL) throws -> Process {
        let p = Process()
        p.executableURL = WeightBridgeBinary.url
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            if names.contains(where: { $0.hasPrefix(".\(target).tmp-") }) { return p }
            XCTAssertTrue(p.isRunning, "the command ended before its temporary file appeared")
            if !p.isRunning { break }
            usleep(2_000)  // a polling interval, not a timing assumption
        }
        p.terminate()
        throw XCTSkip("the temporary file never appeared (input too small for this machine?)")
    }

    func testSIGINTSIGTERMAndSIGHUPDuringACompressedConvertLeaveNoTemporaryFile() throws {
        let dir = TemporaryDirectory()
        let input = try makeInput(dir)
        let outDir = dir.file("out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: false)
        let output = outDir.appendingPathComponent("out.npz")
        let previous = Data("the previous output".utf8)
        try previous.write(to: output)
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            let p = try startAndWaitForTemporary(
                ["convert", input.path, output.path, "--compress", "--force"], target: "out.npz", in: outDir)
            kill(p.processIdentifier, signal)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .uncaughtSignal, "signal \(signal)")
            XCTAssertEqual(p.terminationStatus, signal)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outDir.path), ["out.npz"], "signal \(signal)")
            XCTAssertEqual(try Data(contentsOf: output), previous)
        }
    }

    func testSIGTERMDuringAnNPZToH5ConvertLeavesNoTemporaryFile() throws {
        let dir = TemporaryDirectory()
        let npz = dir.file("wide.npz")
        // A 2-layer MLP with a 4096 x 4096 float64 kernel: 128 MiB of HDF5 to write.
        _ = try runPython(
            """
            import numpy as np, sys
            r = np.random.default_rng(2)
            np.savez(sys.argv[1], W1=r.random((4096, 4096)), b1=r.random(4096), W2=r.random((4096, 10)), b2=r.random(10))
            """, args: [npz.path])
        let outDir = dir.file("out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: false)
        let p = try startAndWaitForTemporary(["convert", npz.path, outDir.appendingPathComponent("m.h5").path], target: "m.h5", in: outDir)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outDir.path), [])
    }

    func testAfterSIGKILLTheNextWriteToTheDirectoryRemovesTheDeadWritersTemporary() throws {
        let dir = TemporaryDirectory()
        let input = try makeInput(dir)
        let outDir = dir.file("out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: false)
        let p = try startAndWaitForTemporary(
            ["convert", input.path, outDir.appendingPathComponent("out.npz").path, "--compress"], target: "out.npz", in: outDir)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let left = try FileManager.default.contentsOfDirectory(atPath: outDir.path)
        XCTAssertEqual(left.count, 1)
        XCTAssertTrue(left.allSatisfy { $0.hasPrefix(".out.npz.tmp-\(p.processIdentifier)-") }, "\(left)")
        let small = FixturePaths.fixture("npy/dtype_f8_le.npy")
        let r = try WeightBridgeBinary.run(["convert", small.path, outDir.appendingPathComponent("small.npz").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outDir.path), ["small.npz"])
    }
}
