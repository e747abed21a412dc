import Foundation
import TestSupport
import WeightBridge
import XCTest

/// The listings of the article "Reading and writing arrays", run as written, then checked against NumPy.
final class ArrayListingTests: ListingTestCase {
    func testArrayListingsReadAndWriteWhatNumpyDoes() throws {
        // listing: arrays-load
        // np.load: every member of an .npz by name, with typed values in C (row-major) order.
        let arrays = try loadArrays(url: URL(fileURLWithPath: "Fixtures/verify/wine_mlp.npz"))
        let w1 = arrays["W1"]!  // an NPYArray: dtype <f8, shape [13, 16]
        let weights: [Double] = try w1.values(as: Double.self)
        let rounded: [Float] = try w1.values(as: Float.self)  // float64 rounded to nearest float32
        // end listing
        XCTAssertEqual(w1.dtype, .float64)
        XCTAssertEqual(w1.shape, [13, 16])
        XCTAssertEqual(rounded, weights.map { Float($0) })

        // listing: arrays-save
        // np.savez: a typed initialiser for every dtype; integers are written exactly, never through Double.
        let ids = try NPYArray(shape: [3], values: [Int64.min, 0, Int64.max])
        let mask = try NPYArray(shape: [2, 2], values: [true, false, false, true])
        let scores = try NPYArray(shape: [2], values: [Float(0.25), 0.75])
        try save(arrays: ["ids": ids, "mask": mask, "scores": scores], url: URL(fileURLWithPath: "batch.npz"))
        try save(array: scores, url: URL(fileURLWithPath: "scores.npy"))
        // end listing

        // listing: arrays-lazy
        // A large archive: open it once and read one member at a time (numpy's lazy NpzFile).
        let archive = try NPZArchive(url: URL(fileURLWithPath: "batch.npz"))
        for name in archive.keys {
            let header = try archive.header(name)  // dtype and shape, without reading the data
            print(name, header.dtype.descr, header.shape)
        }
        let diagonal = try archive["mask"]?.values(as: Bool.self)  // nil when there is no such member
        // end listing
        XCTAssertEqual(diagonal, [true, false, false, true])

        // listing: arrays-memory
        // In memory: bytes from a network response or a database column, and back.
        let bytes = try NPZWriter.encode([(name: "scores", array: scores)], compressed: true)
        let decoded = try loadArrays(data: bytes)
        let response = try NPZArchive(data: bytes, source: "response.npz")  // errors name "response.npz"
        // end listing
        XCTAssertEqual(decoded, ["scores": scores])
        XCTAssertEqual(response.keys, ["scores"])

        let printed = try runPython(
            """
            import sys, numpy as np
            with np.load(sys.argv[1], allow_pickle=False) as z:
                print(z.files, z['ids'].dtype.str, z['ids'].tolist(), z['mask'].tolist(), z['scores'].dtype.str, z['scores'].tolist())
            print(np.load(sys.argv[2]).tolist())
            """, args: [try written("batch.npz").path, try written("scores.npy").path])
        XCTAssertEqual(
            printed,
            "['ids', 'mask', 'scores'] <i8 [-9223372036854775808, 0, 9223372036854775807] [[True, False], [False, True]] <f4 [0.25, 0.75]\n"
                + "[0.25, 0.75]\n")
    }
}
