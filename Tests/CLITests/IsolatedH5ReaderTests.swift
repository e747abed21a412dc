import Foundation
import KerasFormat
import SafeIO
import TestSupport
import XCTest

/// `.h5` files are parsed by libhdf5 in a child process (`weightbridge _read-h5`): what crashes libhdf5 must
/// become a one-line error, and what the child answers must be exactly what an in-process read gives.
final class IsolatedH5ReaderTests: XCTestCase {
    private var reader: KerasReadIsolation {
        .childProcess(KerasChildReader(executable: WeightBridgeBinary.url, arguments: ["_read-h5"], timeoutSeconds: 60))
    }

    /// Bits of `Fixtures/h5/keras2_mlp.h5` whose flip makes libhdf5 1.10.8 segfault in `H5HG_read` (a corrupt
    /// global-heap length behind a variable-length string attribute); see Docs/reliability.md.
    private func crashingFile(_ position: Int, in dir: TemporaryDirectory) throws -> URL {
        var bytes = try Data(contentsOf: FixturePaths.fixture("h5/keras2_mlp.h5"))
        bytes[position] ^= UInt8(1 << (position % 8))
        let url = dir.file("flip_\(position).h5")
        try bytes.write(to: url)
        return url
    }

    func testLibhdf5CrashOnAFileIsAOneLineErrorForEveryReadingCommand() throws {
        let dir = TemporaryDirectory()
        for position in [2074, 2135] {
            let url = try crashingFile(position, in: dir)
            // Every command passes the isolated reader down explicitly; a read that forgot it would crash here.
            let manifest = dir.file("checks_\(position).yml")
            try "- model: \(url.path)\n  dataset: {data: \(url.path)}\n  expect: {accuracy: 0.5}\n".write(
                to: manifest, atomically: true, encoding: .utf8)
            for args in [
                ["inspect", url.path], ["compare", url.path, url.path], ["convert", url.path, dir.file("o.npz").path],
                ["evaluate", url.path], ["predict", url.path, "--input", url.path, "--output", dir.file("p.npy").path],
                ["verify", url.path, "--data", url.path, "--expect", "accuracy=0.5"], ["verify", "--manifest", manifest.path],
                [
                    "train", "cnn", "--init-from", url.path, "--mnist", FixturePaths.fixture("mnist").path, "--epochs", "1", "--output",
                    dir.file("t.h5").path,
                ],
            ] {
                let r = try WeightBridgeBinary.run(args)
                assertOneLineError(r, mentioning: "\(url.path): refused: libhdf5 crashed (SIGSEGV)")
            }
            for output in ["o.npz", "p.npy", "t.h5"] { XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file(output).path)) }
        }
    }

    /// One input per libhdf5 finding of the h5 fuzzer (crash, hang, leak; Fixtures/fuzz/h5/known_libhdf5_findings.txt):
    /// each must end in one line and exit 2 within its deadline, whatever libhdf5 does with it.
    func testEveryKnownLibhdf5FindingIsAOneLineErrorInBoundedTime() throws {
        let dir = FixturePaths.fixture("fuzz/h5/libhdf5_known")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".h5") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 7)
        var environment = ProcessInfo.processInfo.environment
        environment["WEIGHTBRIDGE_H5_TIMEOUT"] = "5"
        for name in files {
            let path = dir.appendingPathComponent(name).path
            let start = Date()
            let r = try runProcess(WeightBridgeBinary.url.path, ["inspect", path], environment: environment)
            assertOneLineError(r, mentioning: path)
            XCTAssertLessThan(Date().timeIntervalSince(start), 30, name)
            if name.hasPrefix("timeout-") { XCTAssertTrue(r.stderr.contains("was still parsing this file after 5 s"), r.stderr) }
            if name.hasPrefix("crash-H5HG") { XCTAssertTrue(r.stderr.contains("libhdf5 crashed (SIGSEGV)"), r.stderr) }
        }
    }

    func testLibhdf5CrashThroughTheLibraryIsATypedError() throws {
        let dir = TemporaryDirectory()
        let url = try crashingFile(2074, in: dir)
        XCTAssertThrowsError(try KerasModelFile.read(url, isolation: reader)) {
            XCTAssertEqual($0 as? KerasFormatError, .readerCrashed(file: url.path, signal: "SIGSEGV"))
        }
    }

    /// The transport's fidelity: the reference here is the in-process reader, whose numbers are pinned against h5py and
    /// Keras by KerasFormatTests and the seed parity tests; this checks that nothing is lost or changed across the pipe.
    func testIsolatedReadGivesExactlyTheInProcessResult() throws {
        var files = ["h5/keras2_mlp.h5", "h5/keras2_cnn.h5", "h5/keras3_functional.h5"].map(FixturePaths.fixture)
        if let seed = try? FixturePaths.sharedFile("seed/cnn_model.h5") { files.append(seed) }
        for url in files {
            let direct = try KerasModelFile.read(url, isolation: .inProcess)
            let isolated = try KerasModelFile.read(url, isolation: reader)
            XCTAssertEqual(isolated.layerWeights, direct.layerWeights, url.lastPathComponent)
            XCTAssertEqual(isolated.modelConfig, direct.modelConfig, url.lastPathComponent)
            XCTAssertEqual(isolated.kerasVersion, direct.kerasVersion)
            XCTAssertEqual(isolated.backend, direct.backend)
            XCTAssertEqual(isolated.trainingConfigJSON, direct.trainingConfigJSON)
            XCTAssertEqual(isolated.hasOptimizerWeights, direct.hasOptimizerWeights)
            XCTAssertFalse(direct.layerWeights.isEmpty)
        }
    }

    func testRefusalInTheChildKeepsTheInProcessMessage() throws {
        let url = FixturePaths.fixture("h5/keras2_lambda.h5")
        var direct = ""
        XCTAssertThrowsError(try KerasModelFile.read(url, isolation: .inProcess)) {
            direct = ($0 as? LocalizedError)?.errorDescription ?? ""
        }
        XCTAssertThrowsError(try KerasModelFile.read(url, isolation: reader)) {
            XCTAssertEqual($0 as? KerasFormatError, .refusedByReader(message: direct))
        }
        XCTAssertTrue(direct.contains("Lambda"), direct)
    }

    func testLimitsTravelToTheChild() throws {
        let url = FixturePaths.fixture("h5/keras2_cnn.h5")
        var limits = ResourceLimits.default
        limits.maxTotalBytes = 100
        XCTAssertThrowsError(try KerasModelFile.read(url, limits: limits, isolation: reader)) {
            XCTAssertTrue(($0 as? LocalizedError)?.errorDescription?.contains("over the limit of 100 bytes") ?? false, "\($0)")
        }
    }

    /// The parent does not trust the child: a reader subverted by a hostile file can only cause a refusal.
    private func fakeReader(_ script: String) -> KerasReadIsolation {
        .childProcess(KerasChildReader(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script, "sh"], timeoutSeconds: 10))
    }

    func testMalformedAnswersFromTheChildAreRefusedWithoutLargeAllocations() throws {
        let url = FixturePaths.fixture("h5/keras2_mlp.h5")
        let lyingShape = #"{"kind":"keras","layers":[{"name":"d","weights":[{"name":"k","shape":[1000000000,1000]}]}]}"#
        let negative = #"{"kind":"keras","layers":[{"name":"d","weights":[{"name":"k","shape":[-4,-4]}]}]}"#
        let short = #"{"kind":"keras","layers":[{"name":"d","weights":[{"name":"k","shape":[4]}]}]}"#
        func answer(_ json: String, extra: String = "") -> String {
            // magic, little-endian length, JSON, payload
            let n = json.utf8.count
            let length = (0..<8).map { String(format: "\\%03o", (n >> (8 * $0)) & 0xff) }.joined()
            return "printf 'WBH5RPL1\(length)'; printf '%s' '\(json)'; printf '\(extra)'"
        }
        let cases: [(String, String)] = [
            ("printf garbage", "no header"),
            (answer(lyingShape), "over the limit"),
            (answer(negative), "has shape [-4, -4]"),
            (answer(short, extra: "abc"), "cut short"),
            (answer(#"{"kind":"keras"}"#, extra: "trailing"), "bytes after the last weight"),
            ("printf 'WBH5RPL1\\377\\377\\377\\377\\377\\377\\377\\377{}'", "JSON of"),
            ("exit 7", "exited with status 7"),
            ("kill -INT $$", "reading was interrupted (SIGINT)"),
            ("kill -ABRT $$", "refused: libhdf5 crashed (SIGABRT)"),
        ]
        for (script, expected) in cases {
            XCTAssertThrowsError(try KerasModelFile.read(url, isolation: fakeReader(script)), script) {
                let message = ($0 as? LocalizedError)?.errorDescription ?? "\($0)"
                XCTAssertTrue(message.hasPrefix(url.path), message)
                XCTAssertTrue(message.contains(expected), "expected '\(expected)' in: \(message)")
            }
        }
    }

    func testHangingReaderIsStoppedAtTheDeadline() throws {
        let url = FixturePaths.fixture("h5/keras2_mlp.h5")
        let slow = KerasReadIsolation.childProcess(
            KerasChildReader(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "sleep 30", "sh"], timeoutSeconds: 0.5))
        XCTAssertThrowsError(try KerasModelFile.read(url, isolation: slow)) {
            XCTAssertEqual($0 as? KerasFormatError, .readerTimedOut(file: url.path, seconds: 0.5))
        }
    }
}
