import Foundation
import NumPyFormat
import TestSupport
import XCTest

/// Files Swift writes are loaded by real numpy (allow_pickle=False) and checked value by value;
/// the user's real seed archive is read and compared with numpy's reading of it.
final class NumpyInteropTests: XCTestCase {
    /// Arrays covering several dtypes, both byte orders, Fortran order, 0-d and empty.
    private func samples() throws -> [(name: String, array: NPYArray)] {
        var out: [(String, NPYArray)] = [
            ("f4", NPYArray(shape: [2, 3], float32: [1.5, -2.25, 0.1, 3.4e38, -0.0, 7])),
            ("f8", NPYArray(shape: [3], float64: [0.1, -1e-300, 1.0 / 3.0])),
            ("scalar", NPYArray(shape: [], float64: [2.5])),
            ("empty", NPYArray(shape: [0, 4], float32: [])),
            ("dir/a.b", NPYArray(shape: [1], float32: [42])),
            ("poids_é", NPYArray(shape: [2], float64: [1, 2])),
        ]
        let values: [Double] = [0, 1, 2, 3, 4, 5]
        for type in NPYElementType.allCases {
            for order in [NPYByteOrder.little, .big] where type.itemSize > 1 || order == .little {
                let dtype = NPYDType(type, byteOrder: order)
                let v = type == .bool ? values.map { Double(Int($0) % 2) } : values.map { type.isFloatingPoint ? $0 * 0.5 - 1 : $0 + 1 }
                out.append(("\(type.rawValue)_\(dtype.descr.first!)", try NPYArray(shape: [3, 2], values: v, dtype: dtype)))
            }
        }
        // Fortran storage of the 2x3 matrix [[1,2,3],[4,5,6]], big-endian int32.
        let fortran = try NPYArray(shape: [3, 2], values: [1, 4, 2, 5, 3, 6], dtype: NPYDType(.int32, byteOrder: .big))
        out.append(("fortran", try NPYArray(dtype: fortran.dtype, shape: [2, 3], fortranOrder: true, data: fortran.data)))
        return out
    }

    /// Python that prints, for each path, the dtype, shape, order flag and the C-order values' bytes as hex.
    private let describe = """
        import sys, numpy as np
        def show(name, a):
            c = np.ascontiguousarray(a)
            print(name, a.dtype.str, list(a.shape), bool(a.flags.f_contiguous and not a.flags.c_contiguous and a.ndim > 1), c.astype(c.dtype.newbyteorder('<')).tobytes().hex())
        for p in sys.argv[1:]:
            if p.endswith('.npz'):
                with np.load(p, allow_pickle=False) as z:
                    for k in z.files: show(p.rsplit('/', 1)[-1] + ':' + k, z[k])
            else:
                show(p.rsplit('/', 1)[-1], np.load(p, allow_pickle=False))
        """

    /// The same line computed in Swift from what we wrote (little-endian C-order bytes of the values).
    private func line(_ name: String, _ a: NPYArray) throws -> String {
        let cOrder = try NPYArray(shape: a.shape, values: try a.doubles(), dtype: NPYDType(a.dtype.elementType))
        let hex = cOrder.data.map { String(format: "%02x", $0) }.joined()
        return "\(name) \(a.dtype.descr) \(a.shape) \(a.fortranOrder ? "True" : "False") \(hex)"
    }

    func testNumpyLoadsSwiftWrittenNpyAndNpzBitIdentically() throws {
        let dir = TemporaryDirectory()
        let arrays = try samples()
        var paths: [String] = []
        var expected: [String] = []
        for (i, item) in arrays.enumerated() {
            let url = dir.file("a\(i).npy")
            try NPYFile.write(item.array, to: url)
            paths.append(url.path)
            expected.append(try line("a\(i).npy", item.array))
        }
        for compressed in [false, true] {
            let name = compressed ? "c.npz" : "s.npz"
            try NPZWriter.write(arrays, to: dir.file(name), compressed: compressed)
            paths.append(dir.file(name).path)
            expected += try arrays.map { try line("\(name):\($0.name)", $0.array) }
            // And our own reader agrees with what it wrote.
            let back = try NPZArchive(url: dir.file(name))
            XCTAssertEqual(back.names, arrays.map(\.name))
            for (n, a) in arrays { XCTAssertEqual(try back.array(n), a, n) }
        }
        let output = try runPython(describe, args: paths)
        XCTAssertEqual(output.split(separator: "\n").map(String.init), expected)
    }

    /// libdeflate (level 6) must compress real weights at least as small as `np.savez_compressed` (zlib level 6), and
    /// members compressed two at a time must land in order: numpy reads back the same bytes as from the seed file.
    func testDeflatedSeedWeightsAreNoLargerThanSavezCompressedAndNumpyReadsThemBack() throws {
        let seed = try FixturePaths.sharedFile("seed/mlp_weights.npz")
        let archive = try NPZArchive(url: seed)
        let arrays = try archive.names.map { (name: $0, array: try archive.array($0)) }
        let dir = TemporaryDirectory()
        let ours = dir.file("ours.npz")
        try NPZWriter.write(arrays, to: ours, compressed: true)
        let output = try runPython(
            """
            import os, sys, numpy as np
            with np.load(sys.argv[1], allow_pickle=False) as z:
                seed = {k: z[k] for k in z.files}
            with np.load(sys.argv[2], allow_pickle=False) as z:
                print(list(z.files) == list(seed) and all(np.array_equal(z[k], seed[k]) for k in seed))
            np.savez_compressed(sys.argv[3], **seed)
            print(os.path.getsize(sys.argv[3]))
            """, args: [seed.path, ours.path, dir.file("numpy.npz").path])
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "True")
        let numpySize = try XCTUnwrap(lines.last.flatMap { Int($0) })
        let ourSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: ours.path)[.size] as? Int)
        XCTAssertLessThanOrEqual(ourSize, numpySize)
        print("measured: seed MLP weights deflated: WeightBridge \(ourSize) bytes, np.savez_compressed \(numpySize) bytes")
    }

    func testReadsSeedMLPWeightsLikeNumpy() throws {
        let url = try FixturePaths.sharedFile("seed/mlp_weights.npz")
        let archive = try NPZArchive(url: url)
        let shapes = ["W1": [784, 128], "b1": [1, 128], "W2": [128, 64], "b2": [1, 64], "W3": [64, 10], "b3": [1, 10]]
        XCTAssertEqual(Set(archive.names), Set(shapes.keys))
        var swiftLines: [String] = []
        for name in archive.names.sorted() {
            let header = try archive.header(name)
            XCTAssertEqual(header.shape, shapes[name], name)
            XCTAssertEqual(header.dtype, .float64, name)
            let a = try archive.array(name)
            let v = try a.doubles()
            let picks = [0, v.count / 2, v.count - 1].map { v[$0].bitPattern }
            let sum = v.reduce(0, +)
            swiftLines.append("\(name) \(a.shape) \(picks) \(sum.bitPattern)")
        }
        let python = """
            import sys, numpy as np
            with np.load(sys.argv[1], allow_pickle=False) as z:
                for k in sorted(z.files):
                    v = np.ascontiguousarray(z[k]).ravel()
                    picks = [int(v[i:i+1].view(np.uint64)[0]) for i in (0, v.size // 2, v.size - 1)]
                    s = 0.0
                    for x in v.tolist(): s += x
                    print(k, list(z[k].shape), picks, int(np.array([s]).view(np.uint64)[0]))
            """
        let output = try runPython(python, args: [url.path])
        XCTAssertEqual(output.split(separator: "\n").map(String.init), swiftLines)
    }
}
