import Foundation
import MNIST
import TestSupport
import XCTest

final class MNISTDatasetTests: XCTestCase {
    static let directory = FixturePaths.fixture("mnist")

    /// The checksums as written in Fixtures/mnist/README.md (file name and 64 hex digits on one table row).
    static func readmeChecksums() throws -> [String: String] {
        let text = try String(contentsOf: directory.appendingPathComponent("README.md"), encoding: .utf8)
        var found: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "") }
            guard let name = cells.first(where: { MNISTDataset.fileNames.contains($0) }),
                let hash = cells.first(where: { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
            else { continue }
            found[name] = hash
        }
        return found
    }

    func testLoadsShippedFixturesWithCountsAndFirstLabels() throws {
        let dataset = try MNISTDataset.load(directory: Self.directory)
        XCTAssertEqual(dataset.train.count, 60000)
        XCTAssertEqual(dataset.test.count, 10000)
        XCTAssertEqual(dataset.train.rows, 28)
        XCTAssertEqual(dataset.train.cols, 28)
        XCTAssertEqual(dataset.train.images.count, 60000 * 784)
        XCTAssertEqual(dataset.test.images.count, 10000 * 784)
        XCTAssertEqual(Array(dataset.train.labels.prefix(5)), [5, 0, 4, 1, 9])
        XCTAssertEqual(Array(dataset.test.labels.prefix(5)), [7, 2, 1, 0, 4])
        let openML = dataset.openMLOrder
        XCTAssertEqual(openML.count, 70000)
        XCTAssertEqual(openML.labels[60000], 7)
        XCTAssertEqual(Array(openML.images[(60000 * 784)..<(60001 * 784)]), Array(dataset.test.images.prefix(784)))
    }

    func testDecompressedChecksumsMatchReadme() throws {
        let readme = try Self.readmeChecksums()
        XCTAssertEqual(Set(readme.keys), Set(MNISTDataset.fileNames))
        XCTAssertEqual(readme, MNISTDownloader.mnistChecksums)
        for name in MNISTDataset.fileNames {
            let kind: IDXFile.Kind = name.contains("idx3") ? .images : .labels
            let file = try IDXFile.read(Self.directory.appendingPathComponent(name), kind: kind)
            XCTAssertEqual(file.sha256, readme[name], name)
        }
    }

    func testPixelsMatchNumPyFloat32DivisionAndItsFloat64Promotion() throws {
        // All 256 byte values through the helpers, against NumPy's float32 / 255 (and that promoted to float64).
        let split = MNISTSplit(images: (0...255).map { UInt8($0) }, labels: [0], rows: 16, cols: 16)
        let out = try runPython(
            """
            import numpy as np
            x = np.arange(256, dtype=np.uint8).reshape(1, 256).astype(np.float32) / 255
            print(x.dtype, (x * np.ones((256, 1), dtype=np.float64)[:, :1].T).dtype)
            print(' '.join(repr(float(v)) for v in x.ravel()))
            print(' '.join(repr(float(v)) for v in (x @ np.eye(256, dtype=np.float64)).ravel()))
            """)
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines[0], "float32 float64")
        let asFloat32 = lines[1].split(separator: " ").map { Float(Double(String($0))!) }
        let asFloat64 = lines[2].split(separator: " ").map { Double(String($0))! }
        XCTAssertEqual(split.pixelsFloat32(), asFloat32)
        XCTAssertEqual(split.pixelsFloat64FromFloat32(), asFloat64)
        // The promotion differs from dividing in float64, which is why the helper exists.
        XCTAssertNotEqual(split.pixelsFloat64FromFloat32(), (0...255).map { Double($0) / 255 })
    }

    func testSubsetTakesRowsInIndexOrder() throws {
        let split = MNISTSplit(images: [1, 1, 2, 2, 3, 3], labels: [7, 8, 9], rows: 1, cols: 2)
        let picked = split.subset([2, 0, 2])
        XCTAssertEqual(picked.images, [3, 3, 1, 1, 3, 3])
        XCTAssertEqual(picked.labels, [9, 7, 9])
        XCTAssertEqual(picked.count, 3)
        XCTAssertThrowsError(try split.checkedSubset([3])) { error in
            XCTAssertEqual(error as? MNISTError, .indexOutOfRange(index: 3, count: 3))
        }
    }

    func testMissingFileIsNamed() throws {
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(try MNISTDataset.load(directory: dir.url)) { error in
            XCTAssertEqual(error as? MNISTError, .missingFile(directory: dir.url.path, name: "train-images-idx3-ubyte.gz"))
        }
    }
}
