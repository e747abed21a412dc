import Foundation
import HDF5
import KerasFormat
import SafeIO
import TestSupport
import XCTest

/// Hostile Keras HDF5 files (Docs/reliability.md, section 3b). Each is made here with h5py, from a real Keras file
/// (`Fixtures/h5/keras2_mlp.h5`, tf-keras 2 layout) or from scratch, and must either read correctly or end in a
/// typed error (`HDF5Error`, `KerasFormatError`, `SafeIOError`) that names the file and what is wrong.
final class HostileKerasInputTests: XCTestCase {
    private let mlp = FixturePaths.fixture("h5/keras2_mlp.h5")

    /// Runs h5py `code` with `src` (keras2_mlp.h5) and `dst` (a new file in `dir`) defined; returns `dst`.
    private func make(_ name: String, in dir: TemporaryDirectory, _ code: String) throws -> URL {
        let dst = dir.file(name)
        _ = try runPython(
            "import sys, shutil, h5py, numpy as np\nsrc, dst = sys.argv[1], sys.argv[2]\n" + code, args: [mlp.path, dst.path])
        return dst
    }

    private func assertTypedError(
        _ url: URL, _ message: String = "", file: StaticString = #filePath, line: UInt = #line,
        _ check: (String) -> Void = { _ in }
    ) {
        do {
            _ = try KerasModelFile.read(url)
            XCTFail("read succeeded \(message)", file: file, line: line)
        } catch let e as HDF5Error {
            check(e.localizedDescription)
        } catch let e as KerasFormatError {
            check(e.localizedDescription)
        } catch let e as SafeIOError {
            check(e.localizedDescription)
        } catch {
            XCTFail("untyped error \(type(of: error)): \(error) \(message)", file: file, line: line)
        }
    }

    func testTruncatedFileAtSeveralLengthsThrowsTypedErrors() throws {
        let bytes = try Data(contentsOf: mlp)
        let dir = TemporaryDirectory()
        for length in [0, 7, 8, 96, 512, 800, 2048, 4096, 6144, 8192, 12288, bytes.count - 1024, bytes.count - 1] {
            let url = dir.file("cut_\(length).h5")
            try bytes.prefix(length).write(to: url)
            assertTypedError(url, "at length \(length)") { XCTAssertTrue($0.hasPrefix(url.path), $0) }
        }
    }

    func testBitFlipsReadTheSameWeightsOrThrowTypedErrors() throws {
        let original = try KerasModelFile.read(mlp)
        let bytes = try Data(contentsOf: mlp)
        let dir = TemporaryDirectory()
        var same = 0
        var changed = 0
        var refused = 0
        // One flip every 61 bytes through the whole file (bit 0..7 in turn), about 250 variants.
        // Positions 2074 and 2135 are left out: flipping them makes reading the root's variable-length string
        // attributes segfault (heap corruption seen in HDF5Attribute.readVariableStrings after H5Aread;
        // Docs/reliability.md, open finding H1). Every other sampled position must read or throw.
        for position in stride(from: 0, to: bytes.count, by: 61) where ![2074, 2135].contains(position) {
            var flipped = bytes
            flipped[position] ^= UInt8(1 << (position % 8))
            let url = dir.file("flip_\(position).h5")
            try flipped.write(to: url)
            do {
                let read = try KerasModelFile.read(url)
                if read.layerWeights == original.layerWeights && read.modelConfig == original.modelConfig {
                    same += 1
                } else {
                    changed += 1
                }
            } catch is HDF5Error {
                refused += 1
            } catch is KerasFormatError {
                refused += 1
            } catch is SafeIOError {
                refused += 1
            }
        }
        // HDF5 1.10 keeps no checksum on raw data or on version-1 object headers: a flip in a weight changes it.
        XCTAssertGreaterThan(refused, 0)
        XCTAssertGreaterThan(same, 0)
        print("bit flips: \(same) same, \(changed) changed data, \(refused) typed errors")
    }

    func testShapeBombOfUnwrittenChunksIsRefusedBeforeReading() throws {
        let dir = TemporaryDirectory()
        // A 4 GiB float32 kernel (1024 x 1024 x 1024, exactly the default maxArrayBytes) whose chunks were never
        // written: h5py reads it as 4 GiB of the fill value.
        let url = try make(
            "bomb.h5", in: dir,
            """
            with h5py.File(dst, 'w') as f:
                f.attrs['layer_names'] = np.array([b'dense'])
                g = f.create_group('dense')
                g.attrs['weight_names'] = np.array([b'dense/kernel:0'])
                g.create_dataset('dense/kernel:0', shape=(1024, 1024, 1024), dtype='<f4', chunks=(64, 64, 64), fillvalue=1.5)
                g2 = f.create_group('z')
                g2.create_dataset('gz', shape=(1024, 1024, 1024), dtype='<f4', chunks=(64, 64, 64), compression='gzip')
            """)
        XCTAssertLessThan(try Data(contentsOf: url).count, 20_000)
        assertTypedError(url) {
            XCTAssertEqual(
                $0,
                "\(url.path): '/dense/dense/kernel:0': declares 4294967296 bytes but none were ever written (h5py would read its fill value); refused as never written"
            )
        }
        let file = try HDF5File.open(url)
        XCTAssertThrowsError(try file.root.group("z").dataset("gz")) {
            XCTAssertTrue(
                $0.localizedDescription.hasSuffix(
                    "'/z/gz': declares 4294967296 bytes but none were ever written (h5py would read its fill value); refused as never written"
                ), "\($0)")
        }
    }

    func testLambdaLayerIsRefusedNamingTheLayer() throws {
        assertTypedError(FixturePaths.fixture("h5/keras2_lambda.h5")) {
            XCTAssertTrue($0.contains("layer '") && $0.contains("has class Lambda, which WeightBridge does not run"), $0)
        }
    }

    func testModuleOrRegisteredNamePointingAtPythonIsRefusedNamingTheLayer() throws {
        let dir = TemporaryDirectory()
        for (key, value, expected) in [
            ("module", "os", "layer 'dense': module is 'os', expected a Keras module"),
            ("registered_name", "evil>Dense", "layer 'dense': registered_name is 'evil>Dense'"),
        ] {
            let url = try make(
                "custom_\(key).h5", in: dir,
                """
                import json
                shutil.copy(src, dst)
                with h5py.File(dst, 'r+') as f:
                    c = json.loads(f.attrs['model_config'])
                    layer = [l for l in c['config']['layers'] if l['class_name'] == 'Dense'][0]
                    layer['config']['name'] = 'dense'
                    layer['\(key)'] = '\(value)'
                    f.attrs['model_config'] = json.dumps(c)
                """)
            assertTypedError(url) { XCTAssertTrue($0.contains(expected), $0) }
        }
    }

    func testDeeplyNestedModelConfigIsRefused() throws {
        let dir = TemporaryDirectory()
        let url = try make(
            "deep.h5", in: dir,
            """
            shutil.copy(src, dst)
            with h5py.File(dst, 'r+') as f:
                f.attrs['model_config'] = '{"class_name": "Sequential", "config": ' + '[' * 100000 + ']' * 100000 + '}'
            """)
        assertTypedError(url) { XCTAssertEqual($0, "\(url.path): model_config: is nested deeper than 64 levels") }
    }

    func testFixedLengthModelConfigOverTheLimitIsRefusedByItsDeclaredSize() throws {
        let dir = TemporaryDirectory()
        // A fixed-length (|S) string declares its size in its datatype: refused from that, before it is read.
        let url = try make(
            "fixed_config.h5", in: dir,
            """
            with h5py.File(dst, 'w', libver='latest') as f:  # dense attribute storage: past the 64 KB header limit
                f.attrs.create('model_config', np.bytes_(b'{"class_name": "Sequential"}' + b' ' * 2_000_000))
            """)
        XCTAssertThrowsError(try KerasModelFile.read(url, limits: ResourceLimits(maxConfigBytes: 1 << 20))) {
            XCTAssertEqual($0.localizedDescription, "\(url.path): model_config: is 2000028 bytes, over the limit of 1048576 bytes")
        }
    }

    func testHundredMegabyteModelConfigIsRefusedOverTheLimit() throws {
        let dir = TemporaryDirectory()
        let url = try make(
            "huge_config.h5", in: dir,
            """
            shutil.copy(src, dst)
            with h5py.File(dst, 'r+') as f:
                f.attrs['model_config'] = '{"class_name": "Sequential", "pad": "' + 'x' * 100_000_000 + '"}'
            """)
        assertTypedError(url) {
            XCTAssertEqual($0, "\(url.path): model_config: is 100000039 bytes, over the limit of 67108864 bytes")
        }
    }

    func testLayerNamesNamingAMissingGroupIsRefused() throws {
        let dir = TemporaryDirectory()
        let url = try make(
            "missing_group.h5", in: dir,
            """
            shutil.copy(src, dst)
            with h5py.File(dst, 'r+') as f:
                g = f['model_weights']
                g.attrs['layer_names'] = np.array(list(g.attrs['layer_names']) + ['ghost'], dtype=h5py.string_dtype())
            """)
        assertTypedError(url) { XCTAssertEqual($0, "\(url.path): layer 'ghost': listed in layer_names but has no group in /model_weights") }
    }

    func testWeightNamesNamingAMissingDatasetIsRefused() throws {
        let dir = TemporaryDirectory()
        let url = try make(
            "missing_dataset.h5", in: dir,
            """
            shutil.copy(src, dst)
            with h5py.File(dst, 'r+') as f:
                g = f['model_weights'][f['model_weights'].attrs['layer_names'][-1]]
                g.attrs['weight_names'] = np.array(list(g.attrs['weight_names']) + ['ghost/kernel:0'], dtype=h5py.string_dtype())
            """)
        assertTypedError(url) { XCTAssertTrue($0.contains("weight 'ghost/kernel:0' is listed in weight_names but missing"), $0) }
    }

    func testNaNAndInfWeightsAreLoadedBitForBit() throws {
        let dir = TemporaryDirectory()
        let url = try make(
            "nonfinite.h5", in: dir,
            """
            shutil.copy(src, dst)
            with h5py.File(dst, 'r+') as f:
                g = f['model_weights']
                for layer in g.attrs['layer_names']:
                    for w in g[layer].attrs['weight_names']:
                        d = g[layer][w]
                        v = d[...]; v.flat[0] = np.nan; v.flat[1] = np.inf; v.flat[-1] = -np.inf; d[...] = v
            """)
        let file = try KerasModelFile.read(url)
        let weights = file.layerWeights.flatMap(\.weights)
        XCTAssertEqual(weights.count, 4)
        for w in weights {
            XCTAssertTrue(w.values[0].isNaN, w.name)
            XCTAssertEqual(w.values.last, -.infinity, w.name)
            if w.values.count > 2 { XCTAssertEqual(w.values[1], .infinity, w.name) }  // a 2-element bias: [1] is last
            XCTAssertEqual(w.values.filter { !$0.isFinite }.count, min(3, w.values.count), w.name)
        }
    }

    func testFixedLengthStringAttributesWithoutNULAreReadWhole() throws {
        let dir = TemporaryDirectory()
        let url = try make(
            "fixed_no_nul.h5", in: dir,
            """
            import h5py.h5t
            shutil.copy(src, dst)
            with h5py.File(dst, 'r+') as f:
                g = f['model_weights']
                names = [n.encode() for n in g.attrs['layer_names']]
                # NULLPAD strings exactly as long as their type: no terminating NUL anywhere.
                t = h5py.h5t.C_S1.copy(); t.set_size(max(len(n) for n in names)); t.set_strpad(h5py.h5t.STR_NULLPAD)
                del g.attrs['layer_names']
                g.attrs.create('layer_names', np.array(names, dtype='S%d' % t.get_size()), dtype=h5py.Datatype(t))
                t2 = h5py.h5t.C_S1.copy(); t2.set_size(len(b'2.21.0')); t2.set_strpad(h5py.h5t.STR_NULLPAD)
                f.attrs.create('keras_version', np.array(b'2.21.0', dtype='S6'), dtype=h5py.Datatype(t2))
            """)
        let original = try KerasModelFile.read(mlp)
        let read = try KerasModelFile.read(url)
        XCTAssertEqual(read.layerWeights, original.layerWeights)
        XCTAssertEqual(read.kerasVersion, "2.21.0")
    }
}
