import Foundation
import TestSupport
import XCTest

/// `inspect`, `convert`, `compare` and `predict` end to end on the built binary.
final class InspectConvertCompareTests: XCTestCase {
    func testInspectSeedMLPListsTheSixArrays() throws {
        let mlp = try FixturePaths.sharedFile("seed/mlp_weights.npz")
        let r = try WeightBridgeBinary.run(["inspect", mlp.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let arrays = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(arrays.map { $0["name"] as? String }, ["W1", "b1", "W2", "b2", "W3", "b3"])
        XCTAssertEqual(arrays.map { $0["shape"] as? [Int] }, [[784, 128], [1, 128], [128, 64], [1, 64], [64, 10], [1, 10]])
        XCTAssertTrue(arrays.allSatisfy { $0["dtype"] as? String == "<f8" })
        let human = try WeightBridgeBinary.run(["inspect", mlp.path])
        XCTAssertTrue(human.stdout.contains("W1") && human.stdout.contains("(784, 128)"), human.stdout)
    }

    func testInspectSeedCNNShowsTheArchitectureAnd225034Parameters() throws {
        let cnn = try FixturePaths.sharedFile("seed/cnn_model.h5")
        let r = try WeightBridgeBinary.run(["inspect", cnn.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("225,034"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Keras 3.10"), r.stdout)
        let j = try WeightBridgeBinary.run(["inspect", cnn.path, "--json"])
        let info = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(info["totalParameters"] as? Int, 225_034)
        let layers = try XCTUnwrap(info["layers"] as? [[String: Any]])
        XCTAssertEqual(
            layers.map { $0["className"] as? String }, ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense"])
        XCTAssertEqual(layers.map { $0["parameters"] as? Int }, [320, 0, 18496, 0, 0, 204928, 1290])
        XCTAssertEqual(layers.last?["outputShape"] as? [Int], [10])
    }

    func testConvertSeedMLPToH5GivesAModelKerasRunsLikeNumPy() throws {
        let mlp = try FixturePaths.sharedFile("seed/mlp_weights.npz")
        let tmp = TemporaryDirectory()
        let r = try WeightBridgeBinary.run(["convert", mlp.path, tmp.file("mlp.h5").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try runPython(
            SeedParityTests.loadMNIST + """

                import keras, json
                x = x_test[:2000].reshape(-1, 784).astype(np.float32) / 255.0
                w = np.load(sys.argv[2])
                a = np.maximum(0, x @ w['W1'] + w['b1']); a = np.maximum(0, a @ w['W2'] + w['b2']); z = a @ w['W3'] + w['b3']
                z = z - z.max(axis=1, keepdims=True); e = np.exp(z); p = e / e.sum(axis=1, keepdims=True)
                model = keras.models.load_model(sys.argv[3])
                k = model.predict(x, verbose=0)
                print(json.dumps({"maxabs": float(np.abs(k - p).max()), "argmax": int((k.argmax(1) == p.argmax(1)).sum()),
                                  "layers": [l.__class__.__name__ for l in model.layers]}))
                """, args: [FixturePaths.fixture("mnist").path, mlp.path, tmp.file("mlp.h5").path])
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        XCTAssertEqual(j["layers"] as? [String], ["Dense", "Dense", "Dense"])
        XCTAssertEqual(j["argmax"] as? Int, 2000)
        // Keras runs the float64 weights in float32: agreement to float32 precision.
        XCTAssertLessThanOrEqual(try XCTUnwrap(j["maxabs"] as? Double), Tolerance.float32KerasParity)
    }

    func testConvertSeedCNNToNPZAndCompareWithTheH5Agree() throws {
        let cnn = try FixturePaths.sharedFile("seed/cnn_model.h5")
        let tmp = TemporaryDirectory()
        XCTAssertEqual(try WeightBridgeBinary.run(["convert", cnn.path, tmp.file("w.npz").path]).status, 0)
        let names = try runPython(
            """
            import numpy as np, sys, h5py
            d = np.load(sys.argv[1])
            f = h5py.File(sys.argv[2], 'r')
            k = f['model_weights/conv2d/sequential/conv2d/kernel'][()]
            assert np.array_equal(d['conv2d/kernel'], k), 'kernel differs from h5py'
            print(','.join(d.files))
            """, args: [tmp.file("w.npz").path, cnn.path])
        XCTAssertEqual(
            names.trimmingCharacters(in: .whitespacesAndNewlines),
            "conv2d/kernel,conv2d/bias,conv2d_1/kernel,conv2d_1/bias,dense/kernel,dense/bias,dense_1/kernel,dense_1/bias")
        let same = try WeightBridgeBinary.run(["compare", cnn.path, tmp.file("w.npz").path])
        XCTAssertEqual(same.status, 0, same.stdout)
        // Refusing to overwrite without --force.
        let again = try WeightBridgeBinary.run(["convert", cnn.path, tmp.file("w.npz").path])
        assertOneLineError(again, mentioning: "--force")
    }

    func testCompareExitsOneAndNamesTheArrayThatDiffers() throws {
        let tmp = TemporaryDirectory()
        _ = try runPython(
            """
            import numpy as np, sys
            np.savez(sys.argv[1] + '/a.npz', w=np.arange(6, dtype=np.float32).reshape(2, 3), b=np.ones(3, np.float32))
            np.savez(sys.argv[1] + '/b.npz', w=np.arange(6, dtype=np.float32).reshape(2, 3) + np.float32(1e-3), b=np.ones(3, np.float32))
            """, args: [tmp.url.path])
        let r = try WeightBridgeBinary.run(["compare", tmp.file("a.npz").path, tmp.file("b.npz").path, "--json"])
        XCTAssertEqual(r.status, 1)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let entries = try XCTUnwrap(j["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.first { $0["name"] as? String == "w" }?["pass"] as? Bool, false)
        XCTAssertEqual(entries.first { $0["name"] as? String == "b" }?["pass"] as? Bool, true)
        let loose = try WeightBridgeBinary.run(["compare", tmp.file("a.npz").path, tmp.file("b.npz").path, "--atol", "1e-2"])
        XCTAssertEqual(loose.status, 0, loose.stdout)
    }

    func testBadInputsGiveOneLineErrorsNamingTheFile() throws {
        let tmp = TemporaryDirectory()
        var bytes = [UInt8](repeating: 0, count: 4096)
        var g = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &g) }
        try Data(bytes).write(to: tmp.file("random.h5"))
        try Data(bytes).write(to: tmp.file("random.npz"))
        try Data(bytes).write(to: tmp.file("random.npy"))
        let seedCNN = try Data(contentsOf: try FixturePaths.sharedFile("seed/cnn_model.h5"))
        try seedCNN.prefix(seedCNN.count / 3).write(to: tmp.file("truncated.h5"))
        for name in ["random.h5", "random.npz", "random.npy", "truncated.h5"] {
            let path = tmp.file(name).path
            for command in [["inspect", path], ["predict", path, "--input", path, "--output", tmp.file("o.npy").path]] {
                let r = try WeightBridgeBinary.run(command)
                assertOneLineError(r, mentioning: name)
            }
        }
        assertOneLineError(try WeightBridgeBinary.run(["inspect", tmp.file("missing.npz").path]), mentioning: "missing.npz")
    }
}

/// `inspect` warns about NaN and infinite weights in Keras files too.
final class InspectNonFiniteTests: XCTestCase {
    func testInspectWarnsAboutNaNAndInfWeightsInAnH5() throws {
        let tmp = TemporaryDirectory()
        let copy = tmp.file("nan.h5")
        try FileManager.default.copyItem(at: FixturePaths.fixture("h5/keras2_mlp.h5"), to: copy)
        let layer = try runPython(
            """
            import h5py, sys, numpy as np
            with h5py.File(sys.argv[1], 'r+') as f:
                g = f['model_weights']
                for name in g.attrs['layer_names']:
                    name = name.decode() if isinstance(name, bytes) else name
                    wn = g[name].attrs.get('weight_names', [])
                    if len(wn):
                        w = wn[0].decode() if isinstance(wn[0], bytes) else wn[0]
                        d = g[name][w]; a = d[()]; a.flat[0] = np.nan; a.flat[1] = np.inf; d[...] = a
                        print(name); break
            """, args: [copy.path]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try WeightBridgeBinary.run(["inspect", copy.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("WARNING: \(layer)/kernel: 1 NaN, 1 Inf"), r.stdout)
    }
}
