import Foundation
import TestSupport
import XCTest

/// `inspect`, `convert` and `compare` on `.safetensors` files, end to end on the built binary.
final class SafeTensorsCommandTests: XCTestCase {
    func testInspectListsTensorsAndMetadataOfAFileWithoutExtension() throws {
        let r = try WeightBridgeBinary.run(["inspect", FixturePaths.fixture("safetensors/noextension").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains(".safetensors, 1 tensors") && r.stdout.contains("F32"), r.stdout)
        let j = try WeightBridgeBinary.run(["inspect", FixturePaths.fixture("safetensors/every_dtype.safetensors").path, "--json"])
        let info = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any], j.stdout)
        XCTAssertEqual(info["metadata"] as? [String: String], ["format": "np"])
        let arrays = try XCTUnwrap(info["arrays"] as? [[String: Any]])
        XCTAssertEqual(arrays.count, 17)
        XCTAssertEqual(arrays.first { $0["name"] as? String == "bfloat16" }?["dtype"] as? String, "BF16")
    }

    /// Python: for each pair (npz, safetensors), the arrays numpy and the real safetensors package read, by name,
    /// as dtype, shape and C-order bytes.
    private let describePair = """
        import sys, json, numpy as np
        from safetensors.numpy import load_file
        a = np.load(sys.argv[1], allow_pickle=False)
        b = load_file(sys.argv[2])
        show = lambda x: [x.dtype.newbyteorder("<").str if x.dtype.itemsize > 1 else x.dtype.str, list(x.shape), np.ascontiguousarray(x).astype(x.dtype.newbyteorder("<")).tobytes().hex()]
        print(json.dumps({"npz": {k: show(a[k]) for k in a.files}, "safetensors": {k: show(v) for k, v in b.items()}}))
        """

    func testConvertsNpzToSafetensorsAndBackKeepingEveryArrayBitForBit() throws {
        let tmp = TemporaryDirectory()
        let npz = FixturePaths.fixture("npy/stored.npz")
        let st = tmp.file("w.safetensors")
        let back = tmp.file("back.npz")
        let r1 = try WeightBridgeBinary.run(["convert", npz.path, st.path])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let out = try runPython(describePair, args: [npz.path, st.path])
        let both = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: [String: [Any]]], out)
        XCTAssertEqual(Set(both["npz"]!.keys), Set(both["safetensors"]!.keys))
        for (name, want) in both["npz"]! {
            let got = both["safetensors"]![name]!
            XCTAssertEqual("\(got)", "\(want)", name)
        }
        let r2 = try WeightBridgeBinary.run(["convert", st.path, back.path])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        // Back in NumPy: the same values and dtypes; safetensors is little-endian, so a big-endian array returns little-endian.
        let back2 = try runPython(
            describePair.replacingOccurrences(of: "load_file(sys.argv[2])", with: "dict(np.load(sys.argv[2]))"),
            args: [npz.path, back.path])
        let pair = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(back2.utf8)) as? [String: [String: [Any]]], back2)
        XCTAssertEqual("\(pair["npz"]!.sorted { $0.key < $1.key })", "\(pair["safetensors"]!.sorted { $0.key < $1.key })")
    }

    func testConvertsOneTensorToNpyAndBFloat16ToFloat32WithANote() throws {
        let tmp = TemporaryDirectory()
        let src = FixturePaths.fixture("safetensors/every_dtype.safetensors")
        let r = try WeightBridgeBinary.run(["convert", src.path + ":bfloat16", tmp.file("b.npy").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("bfloat16") && r.stderr.contains("float32"), r.stderr)
        let values = try runPython(
            "import sys, numpy as np; print(np.load(sys.argv[1]).dtype.str, np.load(sys.argv[1]).ravel().tolist())",
            args: [tmp.file("b.npy").path])
        XCTAssertEqual(
            values.trimmingCharacters(in: .whitespacesAndNewlines), "<f4 [1.5, -2.25, 0.10009765625, 3.00405527047391e+38, -0.0, 7.0]")
        let many = try WeightBridgeBinary.run(["convert", src.path, tmp.file("all.npy").path])
        assertOneLineError(many, mentioning: "17 tensors")
    }

    func testRefusesEveryHostileHeaderWithOneLine() throws {
        let dir = FixturePaths.fixture("safetensors")
        let bad = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
            $0.hasPrefix("bad_") && $0 != "bad_too_small.safetensors"
        }.sorted()
        XCTAssertEqual(bad.count, 14)
        for name in bad {
            let r = try WeightBridgeBinary.run(["inspect", dir.appendingPathComponent(name).path])
            assertOneLineError(r, mentioning: name)
        }
        // Three bytes say nothing about their format: refused by extension as a .safetensors file that is too short.
        assertOneLineError(
            try WeightBridgeBinary.run(["inspect", dir.appendingPathComponent("bad_too_small.safetensors").path]), mentioning: "8-byte")
    }
}
