import Foundation
import HDF5
import SafeIO
import TestSupport
import XCTest

/// Files written by the Swift wrapper, checked with real h5py.
final class HDF5WritingTests: XCTestCase {
    func testH5pyReadsWrittenDatasetsAndAttributesBitExactly() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("out.h5")
        let floats: [Float] = [1.5, -0.0, .leastNonzeroMagnitude, 3.4028235e38, 0.1, -7, 2, 9]
        let doubles: [Double] = [0.1, -1e-300, 12345.678]
        try AtomicFile.write(to: url) { tmp in
            let h5 = try HDF5File.create(tmp)
            let g = try h5.root.createGroup("layer/inner")
            try g.createDataset("w:0", shape: [2, 4], values: floats)
            try h5.root.createDataset("deep/path/d", shape: [3], values: doubles, chunks: [2], gzipLevel: 4)
            try h5.root.createDataset("s", shape: [], values: [Float(2.25)])
            try h5.root.setStringAttribute("version", "3.15.1")
            try h5.root.setStringArrayAttribute("vlen", ["dense", "gr\u{fc}n"])
            try h5.root.setStringArrayAttribute("fixed", ["a", "conv2d_1"], fixedLength: true)
            try g.setEmptyArrayAttribute("weight_names")
            try h5.close()
        }
        let out = try runPython(
            """
            import h5py, numpy as np, sys
            f = h5py.File(sys.argv[1], 'r')
            w = f['layer/inner/w:0']; d = f['deep/path/d']
            print(w.dtype, w.shape, w[()].ravel().view(np.uint32).tolist())
            print(d.dtype, d.shape, d.chunks, d.compression, d[()].view(np.uint64).tolist())
            print(f['s'].shape, float(f['s'][()]))
            print(repr(f.attrs['version']), f.attrs['vlen'].dtype, list(f.attrs['vlen']))
            print(f.attrs['fixed'].dtype, list(f.attrs['fixed']))
            e = f['layer/inner'].attrs['weight_names']; print(e.dtype, e.shape)
            """, args: [url.path])
        let expected = [
            "float32 (2, 4) \(floats.map(\.bitPattern))",
            "float64 (3,) (2,) gzip \(doubles.map(\.bitPattern))",
            "() 2.25",
            "'3.15.1' object ['dense', 'gr\u{fc}n']",
            "|S8 [np.bytes_(b'a'), np.bytes_(b'conv2d_1')]",
            "float64 (0,)",
        ]
        XCTAssertEqual(out.split(separator: "\n").map(String.init), expected)
    }

    func testRefusesValueCountThatDoesNotMatchShape() throws {
        let dir = TemporaryDirectory()
        let h5 = try HDF5File.create(dir.file("bad.h5"))
        XCTAssertThrowsError(try h5.root.createDataset("x", shape: [2, 2], values: [Float(1), 2, 3])) { error in
            XCTAssertTrue(
                error.localizedDescription.contains("'/x': shape [2, 2] does not hold the 3 values given"),
                error.localizedDescription)
        }
    }
}
