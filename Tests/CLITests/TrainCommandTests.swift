import Foundation
import TestSupport
import XCTest

/// `weightbridge train` end to end: short runs whose loss falls and whose exported files real
/// NumPy and Keras load and run like Swift does. The full recipes run in `make bench`, not here.
final class TrainCommandTests: XCTestCase {
    func epochs(_ stdout: String) throws -> [[String: Any]] {
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        return try XCTUnwrap(j["epochs"] as? [[String: Any]])
    }

    func testShortCNNTrainingLowersLossAndExportsAnH5KerasPredictsIdentically() throws {
        let tmp = TemporaryDirectory()
        let out = tmp.file("cnn.h5")
        let r = try WeightBridgeBinary.run([
            "train", "cnn", "--limit", "3000", "--epochs", "2", "--seed", "7", "--output", out.path,
            "--plots", tmp.file("plots").path, "--json",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let e = try epochs(r.stdout)
        XCTAssertEqual(e.count, 2)
        let l0 = try XCTUnwrap(e[0]["loss"] as? Double)
        let l1 = try XCTUnwrap(e[1]["loss"] as? Double)
        XCTAssertLessThan(l1, l0, "loss must fall from epoch 1 to epoch 2")
        // Not a log line per batch when not a terminal: one line per epoch on stderr.
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.hasPrefix("Epoch ") }.count, 2, r.stderr)
        for plot in ["cnn_loss.svg", "cnn_accuracy.svg", "cnn_confusion_matrix.svg"] {
            let svg = try String(contentsOf: tmp.file("plots").appendingPathComponent(plot), encoding: .utf8)
            XCTAssertTrue(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), plot)
        }
        // Swift's predictions of its own trained model on 1000 test images, through the CLI...
        _ = try runPython(
            SeedParityTests.loadMNIST + """

                np.save(sys.argv[2] + '/x.npy', x_test[:1000])
                """, args: [FixturePaths.fixture("mnist").path, tmp.url.path])
        let p = try WeightBridgeBinary.run(["predict", out.path, "--input", tmp.file("x.npy").path, "--output", tmp.file("swift.npy").path])
        XCTAssertEqual(p.status, 0, p.stderr)
        // ... against real Keras 3 loading the exported file.
        let check = try runPython(
            """
            import numpy as np, sys, json, keras
            d = sys.argv[1]
            m = keras.models.load_model(d + '/cnn.h5')
            x = np.load(d + '/x.npy').reshape(-1, 28, 28, 1).astype(np.float32) / 255.0
            k = m.predict(x, verbose=0)
            s = np.load(d + '/swift.npy')
            print(json.dumps({"maxabs": float(np.abs(k - s).max()), "params": int(m.count_params())}))
            """, args: [tmp.url.path])
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(check.utf8)) as? [String: Any])
        XCTAssertEqual(j["params"] as? Int, 225_034)
        XCTAssertLessThanOrEqual(try XCTUnwrap(j["maxabs"] as? Double), Tolerance.float32KerasParity)
    }

    func testShortMLPTrainingExportsTheSeedLayoutThatNumPyEvaluatesIdentically() throws {
        let tmp = TemporaryDirectory()
        let out = tmp.file("mlp.npz")
        let r = try WeightBridgeBinary.run(["train", "mlp", "--limit", "4000", "--epochs", "2", "--output", out.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let e = try epochs(r.stdout)
        XCTAssertLessThan(try XCTUnwrap(e[1]["loss"] as? Double), try XCTUnwrap(e[0]["loss"] as? Double))
        _ = try runPython(
            SeedParityTests.loadMNIST + """

                np.save(sys.argv[2] + '/x.npy', (x_test[:1000].reshape(-1, 784).astype(np.float32) / 255.0))
                """, args: [FixturePaths.fixture("mnist").path, tmp.url.path])
        let p = try WeightBridgeBinary.run(["predict", out.path, "--input", tmp.file("x.npy").path, "--output", tmp.file("swift.npy").path])
        XCTAssertEqual(p.status, 0, p.stderr)
        let check = try runPython(
            """
            import numpy as np, sys, json
            d = sys.argv[1]
            w = np.load(d + '/mlp.npz')
            x = np.load(d + '/x.npy')
            a = np.maximum(0, x @ w['W1'] + w['b1']); a = np.maximum(0, a @ w['W2'] + w['b2']); z = a @ w['W3'] + w['b3']
            z = z - z.max(axis=1, keepdims=True); ez = np.exp(z); pr = ez / ez.sum(axis=1, keepdims=True)
            s = np.load(d + '/swift.npy')
            print(json.dumps({"files": w.files, "dtypes": [str(w[k].dtype) for k in w.files], "b1": list(w['b1'].shape),
                              "maxabs": float(np.abs(pr - s).max())}))
            """, args: [tmp.url.path])
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(check.utf8)) as? [String: Any])
        XCTAssertEqual(j["files"] as? [String], ["W1", "b1", "W2", "b2", "W3", "b3"])
        XCTAssertEqual(j["dtypes"] as? [String], Array(repeating: "float64", count: 6))
        XCTAssertEqual(j["b1"] as? [Int], [1, 128])
        XCTAssertLessThanOrEqual(try XCTUnwrap(j["maxabs"] as? Double), Tolerance.float64NumPyParity)
    }

    func testSameSeedGivesBitIdenticalWeights() throws {
        let tmp = TemporaryDirectory()
        for name in ["a.npz", "b.npz"] {
            let r = try WeightBridgeBinary.run([
                "train", "mlp", "--limit", "1000", "--epochs", "1", "--seed", "3", "--output", tmp.file(name).path,
            ])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let same = try WeightBridgeBinary.run(["compare", tmp.file("a.npz").path, tmp.file("b.npz").path, "--rtol", "0"])
        XCTAssertEqual(same.status, 0, same.stdout)
    }

    func testInterruptStopsAfterTheCurrentBatchAndWritesNothing() throws {
        let tmp = TemporaryDirectory()
        let out = tmp.file("cnn.h5")
        let p = Process()
        p.executableURL = WeightBridgeBinary.url
        p.arguments = ["train", "cnn", "--epochs", "50", "--limit", "6000", "--output", out.path]
        p.currentDirectoryURL = FixturePaths.repoRoot
        p.standardOutput = FileHandle.nullDevice
        let stderr = Pipe()
        p.standardError = stderr
        // Interrupt once training is under way: when the first epoch's line arrives (no timed sleep).
        let firstEpoch = DispatchSemaphore(value: 0)
        var seen = Data()
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            seen.append(chunk)
            if chunk.isEmpty || String(decoding: seen, as: UTF8.self).contains("Epoch ") {
                handle.readabilityHandler = nil
                firstEpoch.signal()
            }
        }
        try p.run()
        XCTAssertEqual(firstEpoch.wait(timeout: .now() + 600), .success, "no epoch finished")
        XCTAssertTrue(p.isRunning, "training should still be running")
        kill(p.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(30)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertFalse(p.isRunning, "training did not stop after SIGINT")
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.url.path), [])
    }

    func testRefusesToOverwriteAnExistingOutputWithoutForce() throws {
        let tmp = TemporaryDirectory()
        try Data("keep me".utf8).write(to: tmp.file("m.npz"))
        let r = try WeightBridgeBinary.run(["train", "mlp", "--limit", "500", "--epochs", "1", "--output", tmp.file("m.npz").path])
        assertOneLineError(r, mentioning: "--force")
        XCTAssertEqual(try String(contentsOf: tmp.file("m.npz"), encoding: .utf8), "keep me")
    }
}
