import Foundation
import MNIST
import TestSupport
import XCTest

/// Keras' `mnist.npz` layout, written by real NumPy from the shipped IDX files.
final class KerasNPZTests: XCTestCase {
    func testReadsKerasMNISTNPZWithTheSameImagesAsTheIDXFiles() throws {
        let tmp = TemporaryDirectory()
        _ = try runPython(
            """
            import gzip, struct, sys
            import numpy as np
            def idx(p):
                d = gzip.open(p).read()
                if struct.unpack('>I', d[:4])[0] == 2051:
                    n, r, c = struct.unpack('>III', d[4:16]); return np.frombuffer(d, np.uint8, offset=16).reshape(n, r, c)
                return np.frombuffer(d, np.uint8, offset=8)
            m = sys.argv[1]
            np.savez_compressed(sys.argv[2] + '/mnist.npz',
                x_train=idx(m + '/train-images-idx3-ubyte.gz')[:300], y_train=idx(m + '/train-labels-idx1-ubyte.gz')[:300],
                x_test=idx(m + '/t10k-images-idx3-ubyte.gz')[:200], y_test=idx(m + '/t10k-labels-idx1-ubyte.gz')[:200].astype(np.int64))
            """, args: [FixturePaths.fixture("mnist").path, tmp.url.path])
        let npz = try MNISTDataset.load(directory: tmp.url)
        let idx = try MNISTDataset.load(directory: FixturePaths.fixture("mnist"))
        XCTAssertEqual(npz.train.count, 300)
        XCTAssertEqual(npz.test.count, 200)
        XCTAssertEqual(npz.train, idx.train.subset(Array(0..<300)))
        XCTAssertEqual(npz.test, idx.test.subset(Array(0..<200)))
    }

    func testRefusesAnNPZWithoutTheKerasMembers() throws {
        let tmp = TemporaryDirectory()
        _ = try runPython(
            """
            import numpy as np, sys
            np.savez(sys.argv[1] + '/mnist.npz', images=np.zeros((2, 28, 28), np.uint8))
            """, args: [tmp.url.path])
        XCTAssertThrowsError(try MNISTDataset.load(directory: tmp.url)) { error in
            let message = (error as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(message.contains("x_train"), message)
            XCTAssertTrue(message.contains("mnist.npz"), message)
        }
    }
}
