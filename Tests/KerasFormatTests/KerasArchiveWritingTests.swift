import Foundation
import KerasFormat
import TestSupport
import XCTest

/// Archives WeightBridge writes are read by Python's zipfile and h5py with the same arrays, and opened by
/// `keras.saving.load_model` with the same weights.
final class KerasArchiveWritingTests: XCTestCase {
    /// Python: members and methods per zipfile, each weight's float32 bits per h5py, then the model Keras loads
    /// from the written archive, its weights in Keras' order as bits, beside the original's.
    private let describe = """
        import sys, io, json, zipfile, os
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import h5py, numpy as np, keras
        written, original = sys.argv[1], sys.argv[2]
        z = zipfile.ZipFile(written)
        out = {"members": [[i.filename, i.compress_type] for i in z.infolist()], "weights": {}}
        with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as h:
            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    out["weights"][name] = [list(obj.shape), obj.dtype.str, np.asarray(obj[()], np.float32).tobytes().hex()]
                elif "name" in obj.attrs:
                    out["weights"][name + "@name"] = str(obj.attrs["name"])
            h.visititems(visit)
        bits = lambda m: [np.asarray(w, np.float32).tobytes().hex() for w in m.get_weights()]
        out["loaded"] = bits(keras.saving.load_model(written))
        out["original"] = bits(keras.saving.load_model(original))
        print(json.dumps(out))
        """

    func testWrittenArchiveIsReadByZipfileH5pyAndKerasWithTheSameArrays() throws {
        let tmp = TemporaryDirectory()
        for name in ["nested.keras", "sequential_deflated.keras", "mixed.keras"] {
            let source = FixturePaths.fixture("keras3/\(name)")
            let archive = try KerasArchive.read(source, isolation: .inProcess)
            let out = tmp.file(name)
            try KerasArchive.write(
                configJSON: archive.configJSON, metadataJSON: KerasArchive.metadataJSON(kerasVersion: "3.15.1"), weights: archive.weights,
                to: out)
            let text = try runPython(describe, args: [out.path, source.path])
            let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
            XCTAssertEqual(
                (result["members"] as? [[Any]])?.map { "\($0[0]):\($0[1])" },
                ["metadata.json:0", "config.json:0", "model.weights.h5:0"], name)
            let weights = try XCTUnwrap(result["weights"] as? [String: Any])
            for e in archive.weights.entries {
                let w = try XCTUnwrap(weights[e.path] as? [Any], "\(name): \(e.path) missing")
                XCTAssertEqual(w[0] as? [Int], e.shape, e.path)
                XCTAssertEqual(w[1] as? String, "<f4", e.path)
                XCTAssertEqual(
                    w[2] as? String,
                    e.values.map { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { $0.map { String(format: "%02x", $0) }.joined() } }
                        .joined(), e.path)
            }
            for g in archive.weights.groups where g.name != nil {
                XCTAssertEqual(weights[g.path + "@name"] as? String, g.name, "\(name): \(g.path)")
            }
            // Keras loads the archive with the weights the original held (float16/bfloat16 layers cast back exactly).
            XCTAssertEqual(result["loaded"] as? [String], result["original"] as? [String], name)
        }
    }

    func testWritingIsAtomicAndRefusesToReplaceWithoutOverwrite() throws {
        let tmp = TemporaryDirectory()
        let archive = try KerasArchive.read(FixturePaths.fixture("keras3/functional.keras"), isolation: .inProcess)
        let out = tmp.file("m.keras")
        try KerasArchive.write(configJSON: archive.configJSON, metadataJSON: archive.metadataJSON, weights: archive.weights, to: out)
        let before = try Data(contentsOf: out)
        XCTAssertThrowsError(
            try KerasArchive.write(
                configJSON: archive.configJSON, metadataJSON: archive.metadataJSON, weights: archive.weights, to: out, overwrite: false))
        XCTAssertThrowsError(
            try KerasArchive.write(configJSON: Data("[1]".utf8), metadataJSON: archive.metadataJSON, weights: archive.weights, to: out))
        XCTAssertEqual(try Data(contentsOf: out), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.url.path), ["m.keras"])
        let reread = try KerasArchive.read(out, isolation: .inProcess)
        XCTAssertEqual(reread.weights, archive.weights)
    }

    func testMetadataIsWhatKerasWrites() throws {
        let data = KerasArchive.metadataJSON(kerasVersion: "3.15.1", date: Date(timeIntervalSince1970: 0))
        let expected = try XCTUnwrap(
            String(decoding: data, as: UTF8.self).range(
                of: #"^\{"keras_version": "3\.15\.1", "date_saved": "\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d"\}$"#, options: .regularExpression))
        XCTAssertFalse(expected.isEmpty)
    }

    func testRefusesWeightPathsThatCannotBeWritten() {
        XCTAssertThrowsError(try KerasWeightTree(entries: [.init(path: "a//b", shape: [1], values: [1])]))
        XCTAssertThrowsError(
            try KerasWeightTree(entries: [.init(path: "a", shape: [1], values: [1]), .init(path: "a", shape: [1], values: [1])]))
        XCTAssertThrowsError(
            try KerasWeightTree(entries: [.init(path: "a", shape: [1], values: [1]), .init(path: "a/b", shape: [1], values: [1])]))
        XCTAssertThrowsError(try KerasWeightTree(entries: [.init(path: "a", shape: [2], values: [1])]))
        XCTAssertThrowsError(try KerasWeightTree(entries: [.init(path: "../a", shape: [1], values: [1])]))
    }
}
