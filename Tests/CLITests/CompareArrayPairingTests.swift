import Foundation
import TestSupport
import XCTest

/// `compare` pairs arrays the way a user means them: two single-array files whatever their names, renamed
/// members through `--map`, and shape or dtype mismatches reported as differences of the pair.
final class CompareArrayPairingTests: XCTestCase {
    /// Writes NumPy files with the venv's NumPy; `code` sees the directory as `d`.
    private func numpy(_ code: String, in tmp: TemporaryDirectory) throws {
        _ = try runPython("import numpy as np, sys, os\nd = sys.argv[1]\n" + code, args: [tmp.url.path])
    }

    func testTwoDifferentlyNamedNpyFilesWithEqualArraysCompareEqual() throws {
        let tmp = TemporaryDirectory()
        try numpy(
            """
            p = np.random.default_rng(0).random((4, 10)).astype(np.float32)
            np.save(os.path.join(d, 'swift.npy'), p)
            np.save(os.path.join(d, 'keras.npy'), p)
            """, in: tmp)
        let r = try WeightBridgeBinary.run(["compare", tmp.file("swift.npy").path, tmp.file("keras.npy").path, "--atol", "1e-5"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("swift vs keras"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1 of 1 arrays equal"), r.stdout)
    }

    func testSingleMemberArchiveComparesWithAnNpyOfAnotherName() throws {
        let tmp = TemporaryDirectory()
        try numpy(
            """
            p = np.arange(12, dtype=np.float32).reshape(3, 4)
            np.savez(os.path.join(d, 'ref.npz'), output_0=p)
            np.save(os.path.join(d, 'probs.npy'), p + np.float32(1e-6))
            """, in: tmp)
        let r = try WeightBridgeBinary.run(["compare", tmp.file("probs.npy").path, tmp.file("ref.npz").path, "--atol", "1e-5"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
    }

    /// Pairs of several pieces (64 Ki elements each) give NumPy's figures: stored against deflated members, `.npy`
    /// files, Fortran-ordered pairs (walked in storage order, the worst element still named by its C index) and a
    /// C-ordered array against a Fortran-ordered one (read whole).
    func testPiecewiseComparisonGivesNumPysFiguresInEveryStorageOrder() throws {
        let tmp = TemporaryDirectory()
        try numpy(
            """
            import json
            a = np.random.default_rng(3).standard_normal((300, 700)).astype(np.float32)
            b = a.copy(); b[17, 650] += np.float32(0.25); b[250, 3] -= np.float32(0.125); b[5, 5] += np.float32(1e-7)
            pairs = {'c': (a, b), 'f': (np.asfortranarray(a), np.asfortranarray(b)), 'mixed': (a, np.asfortranarray(b))}
            for k, (x, y) in pairs.items():
                np.savez(os.path.join(d, f'A_{k}.npz'), w=x)
                np.savez_compressed(os.path.join(d, f'B_{k}.npz'), w=y)
            np.save(os.path.join(d, 'A.npy'), np.asfortranarray(a)); np.save(os.path.join(d, 'B.npy'), np.asfortranarray(b))
            u, v = a.astype(np.float64), b.astype(np.float64)
            diff = np.abs(u - v)
            rel = np.where(v != 0, diff / np.abs(v), np.where(diff == 0, 0, np.inf))
            worst = np.unravel_index(np.argmax(diff), a.shape)
            open(os.path.join(d, 'expected.json'), 'w').write(json.dumps(
                {'abs': float(diff.max()), 'rel': float(rel.max()), 'bad': int((diff > 1e-6).sum()), 'worst': [int(i) for i in worst]}))
            """, in: tmp)
        let expected = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(try String(contentsOf: tmp.file("expected.json"), encoding: .utf8).utf8))
                as? [String: Any])
        for (a, b) in [("A_c.npz", "B_c.npz"), ("A_f.npz", "B_f.npz"), ("A_mixed.npz", "B_mixed.npz"), ("A.npy", "B.npy")] {
            let r = try WeightBridgeBinary.run(["compare", tmp.file(a).path, tmp.file(b).path, "--atol", "1e-6", "--rtol", "0", "--json"])
            XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
            let entry = try XCTUnwrap(try entries(r).first, r.stdout)
            XCTAssertEqual(entry["maxAbsoluteDifference"] as? Double, expected["abs"] as? Double, a)
            XCTAssertEqual(entry["maxRelativeDifference"] as? Double, expected["rel"] as? Double, a)
            XCTAssertEqual(entry["mismatchedElements"] as? Int, expected["bad"] as? Int, a)
            XCTAssertEqual(entry["worstIndex"] as? [Int], expected["worst"] as? [Int], a)
        }
    }

    /// A Keras model's weights stream piece by piece beside the other file's members when they come in file order
    /// (the model first or second), and are read ahead whole when asked for out of order: every way gives NumPy's
    /// figures for each pair, with the right file as the reference for rtol.
    func testKerasWeightsStreamedOrReadAheadGiveNumPysFiguresEitherWay() throws {
        let tmp = TemporaryDirectory()
        _ = try runPython(
            """
            import os, sys, json
            os.environ.setdefault("KERAS_BACKEND", "jax")
            import numpy as np, keras
            d = sys.argv[1]
            m = keras.Sequential([keras.Input((300,)), keras.layers.Dense(700, name="d0"), keras.layers.Dense(5, name="d1")])
            rng = np.random.default_rng(5)
            m.set_weights([rng.standard_normal(w.shape).astype(np.float32) for w in m.get_weights()])
            m.save(os.path.join(d, "m.h5"))
            names = ["d0/kernel", "d0/bias", "d1/kernel", "d1/bias"]
            ws = dict(zip(names, m.get_weights()))
            other = {k: v.copy() for k, v in ws.items()}
            other["d0/kernel"][123, 456] += np.float32(0.5); other["d0/kernel"][299, 0] -= np.float32(0.25)
            other["d1/bias"][3] += np.float32(1e-3)
            np.savez(os.path.join(d, "ordered.npz"), **other)
            np.savez(os.path.join(d, "reversed.npz"), **dict(reversed(list(other.items()))))
            def figures(a, b):
                u, v = a.astype(np.float64), b.astype(np.float64)
                diff = np.abs(u - v)
                rel = np.where(v != 0, diff / np.abs(v), np.where(diff == 0, 0, np.inf))
                worst = [int(i) for i in np.unravel_index(np.argmax(diff), a.shape)]
                return {"abs": float(diff.max()), "rel": float(rel.max()), "bad": int((diff > 1e-6).sum()), "worst": worst}
            expected = {"model_first": {k: figures(ws[k], other[k]) for k in names},
                        "model_second": {k: figures(other[k], ws[k]) for k in names}}
            open(os.path.join(d, "expected.json"), "w").write(json.dumps(expected))
            """, args: [tmp.url.path])
        let expected = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(try String(contentsOf: tmp.file("expected.json"), encoding: .utf8).utf8))
                as? [String: [String: [String: Any]]])
        let model = tmp.file("m.h5").path
        let runs = [
            ("model_first", [model, tmp.file("ordered.npz").path]), ("model_second", [tmp.file("ordered.npz").path, model]),
            ("model_second", [tmp.file("reversed.npz").path, model]), ("model_first", [model, tmp.file("reversed.npz").path]),
        ]
        for (direction, files) in runs {
            let r = try WeightBridgeBinary.run(["compare"] + files + ["--atol", "1e-6", "--rtol", "0", "--json"])
            XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
            let got = try entries(r)
            XCTAssertEqual(got.count, 4, r.stdout)
            for entry in got {
                let name = try XCTUnwrap(entry["name"] as? String)
                let want = try XCTUnwrap(expected[direction]?[name], name)
                let label = "\(files.map { URL(fileURLWithPath: $0).lastPathComponent }) \(name)"
                XCTAssertEqual(entry["maxAbsoluteDifference"] as? Double, want["abs"] as? Double, label)
                XCTAssertEqual(entry["maxRelativeDifference"] as? Double, want["rel"] as? Double, label)
                XCTAssertEqual(entry["mismatchedElements"] as? Int, want["bad"] as? Int, label)
                if (want["bad"] as? Int ?? 0) > 0 {
                    XCTAssertEqual(entry["worstIndex"] as? [Int], want["worst"] as? [Int], label)
                }
                XCTAssertEqual(entry["pass"] as? Bool, (want["bad"] as? Int) == 0, label)
            }
        }
    }

    func testMapPairsRenamedArchiveMembers() throws {
        let tmp = TemporaryDirectory()
        try numpy(
            """
            p = np.linspace(0, 1, 20, dtype=np.float32).reshape(4, 5)
            np.savez(os.path.join(d, 'swift.npz'), probs=p, bias=np.ones(3, np.float32))
            np.savez(os.path.join(d, 'keras.npz'), output_0=p, bias=np.ones(3, np.float32))
            """, in: tmp)
        let a = tmp.file("swift.npz").path
        let b = tmp.file("keras.npz").path
        let unmapped = try WeightBridgeBinary.run(["compare", a, b, "--json"])
        XCTAssertEqual(unmapped.status, 1, unmapped.stdout)
        let problems = try entries(unmapped).compactMap { $0["problem"] as? String }
        XCTAssertEqual(problems.sorted(), ["only in the first file", "only in the second file"])
        let mapped = try WeightBridgeBinary.run(["compare", a, b, "--map", "probs=output_0", "--json"])
        XCTAssertEqual(mapped.status, 0, mapped.stdout + mapped.stderr)
        let pairs = try entries(mapped).map { "\($0["name"] ?? "")>\($0["nameB"] ?? "")" }
        XCTAssertEqual(pairs.sorted(), ["bias>", "probs>output_0"].sorted())
    }

    func testMapNamingAMissingMemberIsAOneLineError() throws {
        let tmp = TemporaryDirectory()
        try numpy(
            """
            np.savez(os.path.join(d, 'a.npz'), p=np.zeros(2), q=np.zeros(2))
            np.savez(os.path.join(d, 'b.npz'), p=np.zeros(2), q=np.zeros(2))
            """, in: tmp)
        let r = try WeightBridgeBinary.run(["compare", tmp.file("a.npz").path, tmp.file("b.npz").path, "--map", "probs=q"])
        assertOneLineError(r, mentioning: "no array named 'probs'")
    }

    func testShapeMismatchIsADifferenceOfThePairNotAMissingArray() throws {
        let tmp = TemporaryDirectory()
        try numpy(
            """
            np.save(os.path.join(d, 'swift.npy'), np.zeros((2, 3), np.float32))
            np.save(os.path.join(d, 'keras.npy'), np.zeros((3, 2), np.float32))
            """, in: tmp)
        let r = try WeightBridgeBinary.run(["compare", tmp.file("swift.npy").path, tmp.file("keras.npy").path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("shapes differ: (2, 3) vs (3, 2)"), r.stdout)
        XCTAssertFalse(r.stdout.contains("only in"), r.stdout)
    }

    func testDTypeMismatchIsNamedWithBothDTypes() throws {
        let tmp = TemporaryDirectory()
        try numpy(
            """
            np.save(os.path.join(d, 'swift.npy'), np.ones(5, np.float32))
            np.save(os.path.join(d, 'keras.npy'), np.ones(5, np.float64))
            """, in: tmp)
        let r = try WeightBridgeBinary.run(["compare", tmp.file("swift.npy").path, tmp.file("keras.npy").path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("dtypes differ: <f4 vs <f8"), r.stdout)
    }

    func testReportNamesTheElementWithTheLargestDifference() throws {
        let tmp = TemporaryDirectory()
        try numpy(
            """
            p = np.full((3, 4), 0.25, np.float32)
            q = p.copy(); q[1, 2] = 0.5; q[2, 0] = 0.2500001
            np.save(os.path.join(d, 'swift.npy'), q)
            np.save(os.path.join(d, 'keras.npy'), p)
            """, in: tmp)
        let r = try WeightBridgeBinary.run(["compare", tmp.file("swift.npy").path, tmp.file("keras.npy").path, "--atol", "1e-5", "--json"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        let entry = try XCTUnwrap(try entries(r).first)
        XCTAssertEqual(entry["worstIndex"] as? [Int], [1, 2])
        XCTAssertEqual(entry["worstA"] as? Double, 0.5)
        XCTAssertEqual(entry["worstB"] as? Double, 0.25)
        XCTAssertEqual(entry["mismatchedElements"] as? Int, 1)
        let human = try WeightBridgeBinary.run(["compare", tmp.file("swift.npy").path, tmp.file("keras.npy").path, "--atol", "1e-5"])
        XCTAssertTrue(human.stdout.contains("largest difference at [1, 2]: 0.5 vs 0.25"), human.stdout)
    }

    private func entries(_ r: ProcessResult) throws -> [[String: Any]] {
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout + r.stderr)
        return try XCTUnwrap(j["entries"] as? [[String: Any]])
    }
}
