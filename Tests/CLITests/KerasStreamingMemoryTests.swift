import Foundation
import TestSupport
import XCTest

/// Peak memory of whole `weightbridge` processes reading Keras models of many large weights through the isolated
/// `.h5` reader (issue 15): the child lists the model, then reads and sends one weight at a time in 8 MiB blocks.
/// `convert` to a stored `.npz` or to `.safetensors` writes each block as it comes, so its peak does not follow the
/// weights at all; `convert --compress` hands each whole weight to the compressor and lets it go before the next,
/// so its peak follows the largest weight (a few times over), not the model. Models are made by Keras in a temporary directory, never
/// committed; peak RSS is read by `/usr/bin/time -f %M` (the larger of the command and its reader).
final class KerasStreamingMemoryTests: XCTestCase {
    /// The bound for `convert` to a stored `.npz` or to `.safetensors`: peak RSS at most half the largest weight.
    /// The process baseline (Swift runtime, Foundation, OpenBLAS and libhdf5 mapped in, about 35 MiB) plus a block
    /// or two is about 47 MiB whatever the weights' size; holding one 196 MiB weight would be 1.2x.
    private static let convertStreamingFraction = 0.5
    /// The bound for `convert --compress`: one weight at a time, not the model (three weights here, so holding them
    /// all would be over 3x). libdeflate compresses whole buffers, so each weight's pieces are gathered behind its
    /// `.npy` header into one buffer, compressed in 16 MiB chunks on both cores; that buffer, its deflated form
    /// (about a tenth of it for this pattern), the chunks in flight and the process baseline make the peak: 1.30x
    /// measured at 196 MiB (1.28x when one call compressed the whole buffer). Issue 15 allows a member "plus
    /// its compressed form" above its 1.25x; before the pieces were gathered, the weight was also copied once more to
    /// join it to its header (2.2x).
    private static let convertDeflatedPeakFactor = 1.5
    /// The bound for `inspect`: peak RSS at most a quarter of the largest weight. Statistics are gathered 4 MiB at a
    /// time in the command and the reader reads and sends 8 MiB blocks, so the peak is the process baseline (about
    /// 35 MiB) plus those blocks and libhdf5's chunk cache, whatever the weight's size (about 50 MiB here).
    private static let inspectPeakFraction = 0.25
    /// The bound for `compare` of a model with another file: peak RSS at most a quarter of the largest weight, as for
    /// `inspect`. Each weight streams from the reader in 8 MiB blocks, and each block is walked against the `.npz`
    /// member read beside it 64 Ki elements at a time, so the peak is the process baseline plus a block, whatever the
    /// weights' size (it was 1.1 x the weight when each weight was held whole as float32, 5.3 x when a pair was
    /// compared whole as float64 values, and 12 x when the whole model was).
    private static let comparePeakFraction = 0.25
    /// Each kernel is `side x side` float32 (196 MiB); three Dense layers hold 588 MiB of weights.
    private static let side = 7168
    private static let layers = 3

    /// A Keras 3 Sequential of three 7168-wide Dense layers, saved as `.h5` and `.keras`; kernel i holds
    /// `(j % 1000 - 500) / 64 + i`, bias i holds i.
    private func makeModel(in dir: TemporaryDirectory) throws -> (h5: URL, keras: URL) {
        let h5 = dir.file("wide.h5")
        let keras = dir.file("wide.keras")
        _ = try runPython(
            """
            import os, sys
            os.environ.setdefault("KERAS_BACKEND", "jax")
            import numpy as np, keras
            n, count = \(Self.side), \(Self.layers)
            model = keras.Sequential([keras.Input((n,))] + [keras.layers.Dense(n, name=f"d{i}") for i in range(count)])
            pattern = ((np.arange(n * n, dtype=np.int64) % 1000 - 500) / 64).astype(np.float32).reshape(n, n)
            for i, layer in enumerate(model.layers):
                layer.set_weights([pattern + np.float32(i), np.full(n, i, np.float32)])
            model.save(sys.argv[1])
            model.save(sys.argv[2])
            """, args: [h5.path, keras.path])
        return (h5, keras)
    }

    func testConvertStreamsWeightsPieceByPieceAndHoldsOneWeightOnlyToDeflateIt() throws {
        let dir = TemporaryDirectory()
        let (h5, keras) = try makeModel(in: dir)
        let largest = Self.side * Self.side * 4
        let steps = [
            (h5, dir.file("from_h5.npz")), (h5, dir.file("from_h5.safetensors")),
            (keras, dir.file("from_keras.npz")), (keras, dir.file("from_keras.safetensors")),
        ]
        let deflated = dir.file("from_keras_deflated.npz")
        for model in [h5, keras] {
            let (r, peak) = try WeightBridgeBinary.runMeasured(["inspect", model.path])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("154,162,176"), r.stdout)  // 3 x (7168 x 7168 + 7168) parameters
            let fraction = Double(peak) / Double(largest)
            print("measured: inspect \(model.lastPathComponent) peaks at \(peak >> 20) MiB (\(fraction)x the largest weight)")
            XCTAssertLessThanOrEqual(fraction, Self.inspectPeakFraction, model.lastPathComponent)
        }
        for (from, to, compress) in steps.map({ ($0, $1, false) }) + [(keras, deflated, true)] {
            let (r, peak) = try WeightBridgeBinary.runMeasured(["convert", from.path, to.path] + (compress ? ["--compress"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
            let factor = Double(peak) / Double(largest)
            print(
                "measured: convert \(compress ? "--compress " : "")\(from.lastPathComponent) -> \(to.lastPathComponent) "
                    + "(\(Self.layers) weights of \(largest >> 20) MiB) peaks at \(peak >> 20) MiB (\(factor)x the largest weight)")
            XCTAssertLessThanOrEqual(
                factor, compress ? Self.convertDeflatedPeakFactor : Self.convertStreamingFraction,
                "\(from.lastPathComponent) -> \(to.lastPathComponent)")
        }
        // compare reads the model forward one weight at a time, in the order the .npz written from it has, with the
        // model first or second.
        for (model, npz) in [(h5, steps[0].1), (keras, steps[2].1)] {
            for files in [[model.path, npz.path], [npz.path, model.path]] {
                let (r, peak) = try WeightBridgeBinary.runMeasured(["compare"] + files)
                XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
                XCTAssertTrue(r.stdout.contains("\(Self.layers * 2) of \(Self.layers * 2) arrays equal"), r.stdout)
                let factor = Double(peak) / Double(largest)
                print(
                    "measured: compare \(model.lastPathComponent) \(npz.lastPathComponent) peaks at \(peak >> 20) MiB (\(factor)x the largest weight)"
                )
                XCTAssertLessThanOrEqual(factor, Self.comparePeakFraction, model.lastPathComponent)
            }
        }
        // Every weight arrived bit for bit: the outputs hold exactly what h5py reads from the model files (the .h5 by
        // its layer_names/weight_names, the .keras archive's model.weights.h5 by path), and nothing else.
        let same = try runPython(
            """
            import io, json, struct, sys, zipfile
            import h5py, numpy as np
            h5, keras_path, from_h5_npz, from_h5_st, from_keras_npz, from_keras_st, from_keras_deflated = sys.argv[1:8]

            def safetensors(path):
                with open(path, "rb") as f:
                    n = struct.unpack("<Q", f.read(8))[0]
                    header = json.loads(f.read(n))
                    base = 8 + n
                    out = {}
                    for name, t in header.items():
                        if name == "__metadata__":
                            continue
                        assert t["dtype"] == "F32", t
                        start, end = t["data_offsets"]
                        f.seek(base + start)
                        out[name] = np.frombuffer(f.read(end - start), "<f4").reshape(t["shape"])
                    return out

            def same(expected, path, loaded):
                assert sorted(expected) == sorted(loaded), (path, sorted(expected), sorted(loaded))
                for k, v in expected.items():
                    got = loaded[k]
                    assert got.dtype == np.float32 and got.shape == v.shape and np.array_equal(got, v), (path, k)

            expected = {}
            with h5py.File(h5, "r") as f:
                g = f["model_weights"]
                for layer in g.attrs["layer_names"]:
                    layer = layer.decode() if isinstance(layer, bytes) else layer
                    for w in g[layer].attrs["weight_names"]:
                        w = w.decode() if isinstance(w, bytes) else w
                        expected[layer + "/" + w.split("/")[-1].split(":")[0]] = g[layer][w][()]
            with np.load(from_h5_npz) as z:
                same(expected, from_h5_npz, {k: z[k] for k in z.files})
            same(expected, from_h5_st, safetensors(from_h5_st))

            expected = {}
            with zipfile.ZipFile(keras_path) as archive, h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
                f.visititems(lambda name, obj: expected.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
            for npz in (from_keras_npz, from_keras_deflated):
                with np.load(npz) as z:
                    same(expected, npz, {k: z[k] for k in z.files})
            same(expected, from_keras_st, safetensors(from_keras_st))
            print(len(expected), "weights bit for bit")
            """,
            args: [h5.path, keras.path] + steps.map(\.1.path) + [deflated.path])
        XCTAssertEqual(same.trimmingCharacters(in: .whitespacesAndNewlines), "\(Self.layers * 2) weights bit for bit")
    }

    /// `inspect` of a model whose one kernel (384 MiB, gzip-compressed in 128 x 128 chunks as h5py chunks it) is
    /// larger than everything else: the reader inflates and sends it in 8 MiB blocks of whole chunk rows, and the
    /// command summarises it 4 MiB at a time, so neither process holds it (the issue's 1.6 GB kernel peaked at 6 GB).
    func testInspectOfALargeCompressedKernelPeaksBelowAQuarterOfIt() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("gzip.h5")
        let (rows, columns) = (6144, 16384)
        _ = try runPython(
            """
            import os, sys
            os.environ.setdefault("KERAS_BACKEND", "jax")
            import numpy as np, keras, h5py
            rows, columns = \(rows), \(columns)
            model = keras.Sequential([keras.Input((rows,)), keras.layers.Dense(columns, name="big")])
            kernel = ((np.arange(rows * columns, dtype=np.int64) % 1000 - 500) / 64).astype(np.float32).reshape(rows, columns)
            kernel[5, 7] = np.nan
            model.layers[0].set_weights([kernel, np.zeros(columns, np.float32)])
            model.save(sys.argv[1])
            with h5py.File(sys.argv[1], "r+") as f:
                group = f["model_weights/big"]
                name = [w.decode() if isinstance(w, bytes) else w for w in group.attrs["weight_names"]][0]
                del group[name]
                group.create_dataset(name, data=kernel, compression="gzip", compression_opts=1)
            """, args: [url.path])
        let kernelBytes = rows * columns * 4
        let (r, peak) = try WeightBridgeBinary.runMeasured(["inspect", url.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let info = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        XCTAssertEqual(info["totalParameters"] as? Int, rows * columns + columns)
        XCTAssertEqual(info["nonFiniteWeights"] as? [String], ["big/kernel: 1 NaN, 0 Inf"])
        let fraction = Double(peak) / Double(kernelBytes)
        print("measured: inspect of a \(kernelBytes >> 20) MiB gzip-compressed kernel peaks at \(peak >> 20) MiB (\(fraction)x)")
        XCTAssertLessThanOrEqual(fraction, Self.inspectPeakFraction)
    }
}
