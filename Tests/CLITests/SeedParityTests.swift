import Foundation
import TestSupport
import XCTest

/// The user's two real models, reloaded by the built `weightbridge`, against real Keras and NumPy.
final class SeedParityTests: XCTestCase {
    /// Python that loads MNIST from the shipped IDX files exactly as keras.datasets.mnist does.
    static let loadMNIST = """
        import gzip, struct, sys, json, os
        import numpy as np
        def idx(p):
            d = gzip.open(p).read()
            if struct.unpack('>I', d[:4])[0] == 2051:
                n, r, c = struct.unpack('>III', d[4:16]); return np.frombuffer(d, np.uint8, offset=16).reshape(n, r, c)
            n = struct.unpack('>I', d[4:8])[0]; return np.frombuffer(d, np.uint8, offset=8)
        m = sys.argv[1]
        x_train, y_train = idx(m + '/train-images-idx3-ubyte.gz'), idx(m + '/train-labels-idx1-ubyte.gz')
        x_test, y_test = idx(m + '/t10k-images-idx3-ubyte.gz'), idx(m + '/t10k-labels-idx1-ubyte.gz')
        """

    func testSeedCNNProbabilitiesMatchKerasOnAllTestImages() throws {
        let cnn = try FixturePaths.sharedFile("seed/cnn_model.h5")
        let tmp = TemporaryDirectory()
        // Keras' own probabilities for the 10000 test images, and the input it used.
        _ = try runPython(
            Self.loadMNIST + """

                import keras
                x = (x_test.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0)
                np.save(sys.argv[2] + '/x.npy', x)
                model = keras.models.load_model(sys.argv[3])
                np.save(sys.argv[2] + '/keras.npy', model.predict(x, verbose=0, batch_size=500))
                """, args: [FixturePaths.fixture("mnist").path, tmp.url.path, cnn.path])
        let r = try WeightBridgeBinary.run(["predict", cnn.path, "--input", tmp.file("x.npy").path, "--output", tmp.file("swift.npy").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try runPython(
            """
            import numpy as np, sys, json
            s = np.load(sys.argv[1] + '/swift.npy'); k = np.load(sys.argv[1] + '/keras.npy')
            print(json.dumps({"dtype": str(s.dtype), "shape": list(s.shape), "maxabs": float(np.abs(s.astype(np.float64) - k).max()),
                              "argmax_equal": int((s.argmax(1) == k.argmax(1)).sum())}))
            """, args: [tmp.url.path])
        let j = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        XCTAssertEqual(j["dtype"] as? String, "float32")
        XCTAssertEqual(j["shape"] as? [Int], [10000, 10])
        XCTAssertEqual(j["argmax_equal"] as? Int, 10000)
        let maxabs = try XCTUnwrap(j["maxabs"] as? Double)
        XCTAssertLessThanOrEqual(maxabs, Tolerance.float32KerasParity, "max |Swift - Keras| over 10000x10 probabilities")
        print("seed CNN: max |Swift - Keras| = \(maxabs)")
    }

    func testSeedMLPProbabilitiesMatchNumPyOnSeedTestRows() throws {
        let mlp = try FixturePaths.sharedFile("seed/mlp_weights.npz")
        let tmp = TemporaryDirectory()
        // The seed notebook's own forward pass, on its own split (sklearn, OpenML order).
        _ = try runPython(
            Self.loadMNIST + """

                from sklearn.model_selection import train_test_split
                X = np.concatenate([x_train, x_test]).reshape(70000, 784).astype(np.float32) / 255.0
                y = np.concatenate([y_train, y_test])
                X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=42)
                w = np.load(sys.argv[3])
                a = np.maximum(0, X_te @ w['W1'] + w['b1']); a = np.maximum(0, a @ w['W2'] + w['b2']); z = a @ w['W3'] + w['b3']
                z = z - z.max(axis=1, keepdims=True); e = np.exp(z); p = e / e.sum(axis=1, keepdims=True)
                np.save(sys.argv[2] + '/x.npy', X_te); np.save(sys.argv[2] + '/numpy.npy', p)
                """, args: [FixturePaths.fixture("mnist").path, tmp.url.path, mlp.path])
        let r = try WeightBridgeBinary.run(["predict", mlp.path, "--input", tmp.file("x.npy").path, "--output", tmp.file("swift.npy").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try runPython(
            """
            import numpy as np, sys, json
            s = np.load(sys.argv[1] + '/swift.npy'); n = np.load(sys.argv[1] + '/numpy.npy')
            print(json.dumps({"dtype": str(s.dtype), "shape": list(s.shape), "maxabs": float(np.abs(s - n).max())}))
            """, args: [tmp.url.path])
        let j = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        XCTAssertEqual(j["dtype"] as? String, "float64")
        XCTAssertEqual(j["shape"] as? [Int], [14000, 10])
        let maxabs = try XCTUnwrap(j["maxabs"] as? Double)
        XCTAssertLessThanOrEqual(maxabs, Tolerance.float64NumPyParity, "max |Swift - NumPy| over 14000x10 probabilities")
        print("seed MLP: max |Swift - NumPy| = \(maxabs)")
    }
}
