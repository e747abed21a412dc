import Foundation
import HDF5
import SafeIO
import TestSupport
import XCTest

/// Reading files made by h5py (Fixtures/generate/h5_fixtures.py); expected values were recorded by the script.
final class HDF5ReadingTests: XCTestCase {
    private func reference(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: FixturePaths.fixture("h5/\(name)"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func assertDatasetMatches(_ path: String, type: HDF5ElementType, file: StaticString = #filePath, line: UInt = #line) throws {
        let ref = try XCTUnwrap(try reference("datasets.json")[path] as? [String: Any])
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/datasets.h5"))
        let dataset = try h5.root.dataset(path)
        XCTAssertEqual(dataset.shape, ref["shape"] as? [Int], file: file, line: line)
        XCTAssertEqual(dataset.elementType, type, file: file, line: line)
        let expected = try XCTUnwrap(ref["values"] as? [String]).map { Double(bitPattern: UInt64($0, radix: 16)!) }
        XCTAssertEqual(try dataset.readDoubles(), expected, file: file, line: line)
        XCTAssertEqual(try dataset.readFloats(), expected.map { Float($0) }, file: file, line: line)
    }

    func testReadsChunkedGzipFloat32Exactly() throws { try assertDatasetMatches("chunked_gzip", type: .float32) }
    func testReadsFloat16ConvertedToFloat32Exactly() throws { try assertDatasetMatches("half", type: .float16) }
    func testReadsNestedFloat64Exactly() throws { try assertDatasetMatches("grp/nested/double", type: .float64) }
    func testReadsInt16AndUInt8() throws {
        try assertDatasetMatches("int16", type: .int16)
        try assertDatasetMatches("uint8", type: .uint8)
    }
    func testReadsScalarDataset() throws { try assertDatasetMatches("scalar", type: .float32) }

    func testListsChildrenInNameOrderWithLinkKinds() throws {
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/datasets.h5"))
        let children = try h5.root.children()
        XCTAssertEqual(children.map(\.name), ["chunked_gzip", "ext", "grp", "half", "int16", "scalar", "soft", "uint8"])
        XCTAssertEqual(children.map(\.kind), [.dataset, .externalLink, .group, .dataset, .dataset, .dataset, .softLink, .dataset])
    }

    func testTreeDescriptionListsEveryObject() throws {
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/datasets.h5"))
        let lines = try h5.treeDescription()
        XCTAssertEqual(lines.count, 10)
        XCTAssertTrue(lines.contains("/grp/nested/double  dataset  [2, 3] float64"), "\(lines)")
        XCTAssertTrue(lines.contains("/half  dataset  [3, 4] float16"), "\(lines)")
        XCTAssertTrue(lines.contains("/soft  soft link"), "\(lines)")
    }

    func testRefusesToFollowSoftLink() throws {
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/datasets.h5"))
        XCTAssertThrowsError(try h5.root.dataset("soft")) { error in
            XCTAssertTrue(error.localizedDescription.contains("soft link"), error.localizedDescription)
        }
    }

    func testRefusesExternalLink() throws {
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/datasets.h5"))
        XCTAssertThrowsError(try h5.root.dataset("ext")) { error in
            XCTAssertTrue(error.localizedDescription.contains("external link"), error.localizedDescription)
        }
    }

    func testRefusesDatasetWithExternalRawStorage() throws {
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/external_storage.h5"))
        XCTAssertThrowsError(try h5.root.dataset("ext")) { error in
            XCTAssertTrue(error.localizedDescription.contains("external file"), error.localizedDescription)
        }
    }

    func testRefusesDatasetOverArrayLimitBeforeReading() throws {
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/datasets.h5"), limits: ResourceLimits(maxArrayBytes: 100))
        XCTAssertThrowsError(try h5.root.dataset("chunked_gzip")) { error in
            XCTAssertEqual(
                error.localizedDescription.hasSuffix("'/chunked_gzip': declared size is 240 bytes, over the limit of 100 bytes"),
                true, error.localizedDescription)
        }
    }

    func testMissingObjectIsNotFound() throws {
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/datasets.h5"))
        XCTAssertThrowsError(try h5.root.dataset("grp/missing")) { error in
            XCTAssertTrue(error.localizedDescription.contains("no object '/grp/missing'"), error.localizedDescription)
        }
        XCTAssertThrowsError(try h5.root.group("half")) { error in
            XCTAssertTrue(error.localizedDescription.contains("'/half' is a dataset, expected a group"), error.localizedDescription)
        }
    }

    func testReadsFixedLengthAndVariableLengthStringAttributes() throws {
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/fixed_strings.h5"))
        XCTAssertEqual(try h5.root.stringArrayAttribute("layer_names"), ["dense", "dense_1"])
        XCTAssertEqual(try h5.root.attribute("layer_names")?.elementType, .fixedString(size: 7))
        XCTAssertEqual(try h5.root.stringAttribute("keras_version"), "2.2.4")
        XCTAssertEqual(try h5.root.stringArrayAttribute("vlen_names"), ["a", "bb", "ccc"])
        XCTAssertEqual(try h5.root.stringAttribute("utf8"), "gr\u{fc}\u{df}e \u{2713}")
        XCTAssertEqual(try h5.root.group("dense").stringArrayAttribute("weight_names"), ["dense/kernel:0", "dense/bias:0"])
        XCTAssertEqual(try h5.root.group("dense_1").stringArrayAttribute("weight_names"), [])
        XCTAssertNil(try h5.root.stringAttribute("absent"))
    }

    func testReadsNumericAttributes() throws {
        let h5 = try HDF5File.open(FixturePaths.fixture("h5/fixed_strings.h5"))
        XCTAssertEqual(try h5.root.doubleArrayAttribute("scalar_int"), [-42])
        XCTAssertEqual(try h5.root.doubleArrayAttribute("scalar_double"), [2.5])
        XCTAssertEqual(try h5.root.doubleArrayAttribute("int_array"), [1, 2, 3])
        XCTAssertEqual(try h5.root.doubleArrayAttribute("float_array"), [0.5, -1.25])
        XCTAssertEqual(try h5.root.stringArrayAttribute("empty_names"), [])
        XCTAssertEqual(
            try h5.root.attributeNames(),
            [
                "backend", "empty_names", "float_array", "int_array", "keras_version", "layer_names", "scalar_double",
                "scalar_int", "utf8", "vlen_names",
            ])
        XCTAssertThrowsError(try h5.root.stringAttribute("scalar_int")) { error in
            XCTAssertTrue(error.localizedDescription.contains("element type is int64, expected strings"), error.localizedDescription)
        }
    }

    func testRefusesRandomBytesNamedH5() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("random.h5")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: url)
        XCTAssertThrowsError(try HDF5File.open(url)) { error in
            XCTAssertEqual(
                error.localizedDescription, "\(url.path): '/' is a file without the HDF5 signature (4096 bytes), expected a HDF5 file")
        }
    }

    func testRefusesTruncatedFile() throws {
        let dir = TemporaryDirectory()
        let url = dir.file("truncated.h5")
        let data = try Data(contentsOf: FixturePaths.fixture("h5/datasets.h5"))
        try data.prefix(data.count / 2).write(to: url)
        XCTAssertThrowsError(try HDF5File.open(url).root.dataset("chunked_gzip").readFloats()) { error in
            let message = error.localizedDescription
            XCTAssertTrue(message.hasPrefix(url.path + ": "), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    func testRefusesMissingFile() throws {
        XCTAssertThrowsError(try HDF5File.open(URL(fileURLWithPath: "/nonexistent/x.h5"))) { error in
            XCTAssertEqual(error.localizedDescription, "/nonexistent/x.h5: no file '/'")
        }
    }
}
