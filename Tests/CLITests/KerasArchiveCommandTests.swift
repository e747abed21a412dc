import Foundation
import KerasFormat
import TestSupport
import XCTest

/// `.keras` archives on the command line, and through the isolated reader.
final class KerasArchiveCommandTests: XCTestCase {
    func testInspectListsMembersVersionLayersAndWeightTree() throws {
        let r = try WeightBridgeBinary.run(["inspect", FixturePaths.fixture("keras3/nested.keras").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        for text in [
            "metadata.json, config.json, model.weights.h5", "Keras 3.15.1", "functional_3", "Functional",
            "layers/functional/layers/dense/vars/0", "(5, 3)", "26 parameters",
        ] {
            XCTAssertTrue(r.stdout.contains(text), "missing \(text) in\n\(r.stdout)")
        }
        let j = try WeightBridgeBinary.run(["inspect", FixturePaths.fixture("keras3/mixed.keras").path, "--json"])
        let info = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any], j.stdout)
        XCTAssertEqual(
            (info["weights"] as? [[String: Any]])?.map { $0["storedType"] as? String }, ["float16", "float16", "bfloat16", "bfloat16"])
    }

    func testFilesAreRecognisedByContentNotExtension() throws {
        let archiveAsH5 = try WeightBridgeBinary.run(["inspect", FixturePaths.fixture("keras3/archive_named.h5").path])
        XCTAssertEqual(archiveAsH5.status, 0, archiveAsH5.stderr)
        XCTAssertTrue(archiveAsH5.stdout.contains("Keras 3 .keras archive"), archiveAsH5.stdout)
        let h5AsKeras = try WeightBridgeBinary.run(["inspect", FixturePaths.fixture("keras3/hdf5_named.keras").path])
        XCTAssertEqual(h5AsKeras.status, 0, h5AsKeras.stderr)
        XCTAssertTrue(h5AsKeras.stdout.contains("Keras HDF5 model"), h5AsKeras.stdout)
        // A model command runs an archive named .h5 as the archive it is.
        let tmp = TemporaryDirectory()
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 4, 1), }"
        let pad = (64 - (10 + dict.utf8.count + 1) % 64) % 64
        let headerLength = dict.utf8.count + pad + 1
        try Data(
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)] + Array(dict.utf8)
                + Array(repeating: 0x20, count: pad) + [0x0A] + Array(repeating: 0, count: 64)
        ).write(to: tmp.file("x.npy"))
        let predict = try WeightBridgeBinary.run(
            [
                "predict", FixturePaths.fixture("keras3/archive_named.h5").path, "--input", tmp.file("x.npy").path, "--output",
                tmp.file("y.npy").path,
            ])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp.file("y.npy").path))
    }

    func testRefusesHostileArchivesWithOneLine() throws {
        for (name, mentioning, extra) in [
            ("bad_bomb.keras", "zip bomb", [String]()), ("bad_traversal.keras", "'..'", []),
            ("bad_no_config.keras", "no 'config.json'", []),
            ("bad_config_too_large.keras", "over the limit", ["--max-config-bytes", "1M"]), ("bad_lambda.keras", "Lambda", []),
            ("bad_custom_module.keras", "evil.module", []),
        ] {
            let r = try WeightBridgeBinary.run(["inspect", FixturePaths.fixture("keras3/\(name)").path] + extra)
            assertOneLineError(r, mentioning: mentioning)
        }
    }

    func testTheIsolatedReaderCarriesTheWeightTreeExactly() throws {
        let child = KerasReadIsolation.childProcess(
            KerasChildReader(executable: WeightBridgeBinary.url, arguments: ["_read-h5"], timeoutSeconds: 60))
        for name in ["mixed.weights.h5", "mixed.keras", "nested.keras"] {
            let url = FixturePaths.fixture("keras3/\(name)")
            if name.hasSuffix(".keras") {
                let isolated = try KerasArchive.read(url, isolation: child)
                let local = try KerasArchive.read(url, isolation: .inProcess)
                XCTAssertEqual(isolated.weights, local.weights, name)
                XCTAssertFalse(isolated.weights.groups.isEmpty, name)
            } else {
                XCTAssertEqual(try KerasWeightTree.read(url, isolation: child), try KerasWeightTree.read(url, isolation: .inProcess), name)
            }
        }
        // A child refusal comes back as the in-process message.
        XCTAssertThrowsError(try KerasWeightTree.read(FixturePaths.fixture("keras3/expected.json"), isolation: child)) { error in
            XCTAssertTrue((error as? LocalizedError)?.errorDescription?.contains("expected.json") == true, "\(error)")
        }
    }

    func testConvertsArchivesToArchivesNpzAndSafetensors() throws {
        let tmp = TemporaryDirectory()
        let src = FixturePaths.fixture("keras3/functional.keras")
        for out in ["f.keras", "f.npz", "f.safetensors"] {
            let r = try WeightBridgeBinary.run(["convert", src.path, tmp.file(out).path])
            XCTAssertEqual(r.status, 0, "\(out): \(r.stderr)")
        }
        // The three hold the same arrays under the same names, as values.
        for out in ["f.npz", "f.safetensors"] {
            let r = try WeightBridgeBinary.run(["compare", tmp.file("f.keras").path, tmp.file(out).path, "--rtol", "0"])
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains("layers/dense_2/vars/0"), r.stdout)
        }
    }
}

extension KerasArchiveCommandTests {
    /// `convert` and `train` write `.keras` archives from any model WeightBridge holds (a NumPy MLP, a Keras `.h5`, a
    /// model trained in Swift); real Keras 3 opens each with `keras.saving.load_model` and predicts what
    /// WeightBridge predicts for it.
    func testWritesKerasArchivesThatKeras3LoadsAndRunsIdentically() throws {
        let tmp = TemporaryDirectory()
        let cases: [(model: String, input: String)] = [
            (FixturePaths.fixture("verify/wine_mlp.npz").path, "wine_x.npy"),
            (FixturePaths.fixture("verify/cancer_mlp.h5").path, "cancer_x.npy"),
        ]
        _ = try runPython(
            """
            import numpy as np, sys
            np.save(sys.argv[1], np.load(sys.argv[2])['x'].astype(np.float32))
            """, args: [tmp.file("wine_x.npy").path, FixturePaths.fixture("verify/wine_test.npz").path])
        try FileManager.default.copyItem(at: FixturePaths.fixture("verify/cancer_x.npy"), to: tmp.file("cancer_x.npy"))
        let trained = try WeightBridgeBinary.run(
            ["train", "mlp", "--limit", "500", "--epochs", "1", "--output", tmp.file("trained.keras").path])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        for (index, c) in cases.enumerated() {
            let archive = tmp.file("model\(index).keras")
            let convert = try WeightBridgeBinary.run(["convert", c.model, archive.path])
            XCTAssertEqual(convert.status, 0, convert.stderr)
            let predict = try WeightBridgeBinary.run(
                ["predict", c.model, "--input", tmp.file(c.input).path, "--output", tmp.file("swift\(index).npy").path])
            XCTAssertEqual(predict.status, 0, predict.stderr)
            let worst = try runPython(
                """
                import sys, numpy as np, keras
                model = keras.saving.load_model(sys.argv[1])
                got = model.predict(np.load(sys.argv[2]), verbose=0)
                print(float(np.max(np.abs(got - np.load(sys.argv[3])))))
                """, args: [archive.path, tmp.file(c.input).path, tmp.file("swift\(index).npy").path])
            // float32 Keras against WeightBridge (float64 for the NumPy MLP, rounded to float32 on export).
            let float32Parity = Tolerance.float32KerasParity
            XCTAssertLessThanOrEqual(try XCTUnwrap(Double(worst.trimmingCharacters(in: .whitespacesAndNewlines))), float32Parity, c.model)
        }
        let loads = try runPython(
            """
            import sys, keras
            print(keras.saving.load_model(sys.argv[1]).count_params())
            """, args: [tmp.file("trained.keras").path])
        XCTAssertEqual(loads.trimmingCharacters(in: .whitespacesAndNewlines), "109386", "the seed MLP recipe trained in Swift")
    }
}
