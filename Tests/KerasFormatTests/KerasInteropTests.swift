import Foundation
import HDF5
import KerasFormat
import TestSupport
import XCTest

/// Files written by Swift, opened by real Keras: `keras.models.load_model` (Keras 3.15, JAX backend) for the
/// Keras 3 flavour and `tf_keras.models.load_model` (tf-keras 2.21) for the Keras 2 flavour. Each model's
/// predictions on the fixture's recorded input must match the original model's recorded predictions, and h5py
/// must read every written array back bit-identically to the fixture's.
final class KerasInteropTests: XCTestCase {
    private static let fixtures = ["keras3_cnn", "keras3_functional", "keras2_cnn", "keras2_mlp"]

    /// Python: for each (written .h5, reference .json) pair, load with Keras, predict, and compare arrays.
    private static let checker = """
        import os, sys, json, warnings
        warnings.filterwarnings('ignore')
        os.environ['KERAS_BACKEND'] = 'jax'; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'
        import numpy as np, h5py
        flavor = sys.argv[1]
        if flavor == 'keras3':
            import keras; load = keras.models.load_model
        else:
            import tf_keras; load = tf_keras.models.load_model
        def f32(hexes, shape): return np.array([int(h, 16) for h in hexes], dtype='<u4').view('<f4').reshape(shape)
        for out, ref_path in zip(sys.argv[2::2], sys.argv[3::2]):
            ref = json.load(open(ref_path))
            x = f32(ref['input'], ref['input_shape']); y = f32(ref['output'], ref['output_shape'])
            model = load(out, compile=False)
            p = np.asarray(model.predict(x, verbose=0), dtype=np.float32)
            diff = float(np.max(np.abs(p - y))) if p.shape == y.shape else float('inf')
            identical = True
            with h5py.File(out, 'r') as f:
                g = f['model_weights']
                kind = g.attrs['layer_names'].dtype.kind
                for layer in ref['layers']:
                    names = [n.decode() if isinstance(n, bytes) else n for n in g[layer['layer']].attrs['weight_names']]
                    if len(names) != len(layer['weights']): identical = False; continue
                    for n, w in zip(names, layer['weights']):
                        a = np.asarray(g[layer['layer']][n])
                        identical &= a.dtype == np.float32 and list(a.shape) == w['shape'] and \
                            bool(np.array_equal(a.reshape(-1).view('<u4'), f32(w['values'], [-1]).view('<u4')))
            print(os.path.basename(out), type(model).__name__, kind, diff, identical)
        """

    private func roundTrip(_ flavor: KerasFlavor, _ name: String) throws {
        let dir = TemporaryDirectory()
        var args = [name]
        for fixture in Self.fixtures {
            let original = try KerasModelFile.read(FixturePaths.fixture("h5/\(fixture).h5"))
            let out = dir.file("\(fixture)-\(name).h5")
            try KerasModelFile.write(config: try XCTUnwrap(original.modelConfig), weights: original.layerWeights, to: out, flavor: flavor)
            // Swift reads back what it wrote: same configuration, same weights.
            let again = try KerasModelFile.read(out)
            XCTAssertEqual(again.modelConfig?.layers, original.modelConfig?.layers, fixture)
            XCTAssertEqual(again.modelConfig?.inputShape, original.modelConfig?.inputShape, fixture)
            XCTAssertEqual(
                again.layerWeights.flatMap(\.weights).map(\.values), original.layerWeights.flatMap(\.weights).map(\.values), fixture)
            args += [out.path, FixturePaths.fixture("h5/\(fixture).json").path]
        }
        let output = try runPython(Self.checker, args: args)
        let lines = output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.count, Self.fixtures.count, output)
        for (fixture, fields) in zip(Self.fixtures, lines) {
            XCTAssertEqual(fields.count, 5, output)
            guard fields.count == 5 else { continue }
            XCTAssertEqual(fields[0], "\(fixture)-\(name).h5")
            // Keras 2 wrote NumPy |S (kind S) layer_names; h5py 3 / Keras 3 write variable-length strings (kind O).
            XCTAssertEqual(fields[2], flavor == .keras2 ? "S" : "O", fixture)
            let diff = try XCTUnwrap(Double(fields[3]), output)
            XCTAssertLessThanOrEqual(diff, Tolerance.float32KerasReload, "\(fixture): max |keras(loaded) - original| = \(diff)")
            XCTAssertEqual(fields[4], "True", "\(fixture): arrays read by h5py differ from the fixture's")
        }
    }

    func testKeras3LoadsWrittenFilesAndPredictsLikeOriginals() throws {
        try roundTrip(.keras3, "keras3")
    }

    func testTFKeras2LoadsWrittenFilesAndPredictsLikeOriginals() throws {
        try roundTrip(.keras2, "keras2")
    }

    func testKerasReadsSplitLayerNamesWrittenBySwift() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("split.h5")
        let names = (0..<2000).map { "dense_layer_with_a_long_name_\($0)" }
        let h5 = try HDF5File.create(url)
        try KerasAttributes.writeStrings(h5.root, "layer_names", names, fixedLength: false)
        try h5.close()
        // Keras' own reader joins the chunks; Keras' own writer, given the same names, picks the same attribute names and dtypes.
        let output = try runPython(
            """
            import os, sys, h5py, numpy as np
            os.environ['KERAS_BACKEND'] = 'jax'
            from keras.src.legacy.saving.legacy_h5_format import load_attributes_from_hdf5_group, save_attributes_to_hdf5_group
            names = ['dense_layer_with_a_long_name_%d' % i for i in range(2000)]
            with h5py.File(sys.argv[1], 'r') as f:
                print(load_attributes_from_hdf5_group(f, 'layer_names') == names)
                mine = sorted((k, str(v.dtype), v.shape) for k, v in f.attrs.items())
            with h5py.File(sys.argv[2], 'w') as g:
                save_attributes_to_hdf5_group(g, 'layer_names', [n.encode() for n in names])
                theirs = sorted((k, str(v.dtype), v.shape) for k, v in g.attrs.items())
            print(mine == theirs, mine)
            """, args: [url.path, dir.file("keras.h5").path])
        let lines = output.split(separator: "\n")
        XCTAssertEqual(lines.first, "True", output)
        XCTAssertTrue(lines.count > 1 && lines[1].hasPrefix("True "), output)
    }
}
