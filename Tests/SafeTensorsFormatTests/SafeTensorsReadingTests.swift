import Foundation
import NumPyFormat
import SafeTensorsFormat
import TestSupport
import XCTest

/// Files written by the real `safetensors` package (Fixtures/safetensors, see its README) read back with
/// the exact values, shapes and metadata the generating script recorded.
final class SafeTensorsReadingTests: XCTestCase {
    private struct Expected: Decodable {
        struct Tensor: Decodable {
            var shape: [Int]
            var values: [String]
        }
        struct File: Decodable {
            var metadata: [String: String]?
            var tensors: [String: Tensor]
        }
        var files: [String: File]
    }

    private func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: FixturePaths.fixture("safetensors/expected.json")))
    }

    func testReadsEveryDTypeWithTheValuesTheSafetensorsPackageWrote() throws {
        let all = try expected()
        XCTAssertEqual(all.files.count, 4)
        for (fileName, file) in all.files {
            let st = try SafeTensorsFile(url: FixturePaths.fixture("safetensors/\(fileName)"))
            XCTAssertEqual(Set(st.names), Set(file.tensors.keys), fileName)
            XCTAssertEqual(st.metadata.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key, $0.value) }) }, file.metadata, fileName)
            for (name, want) in file.tensors {
                let t = try st.tensor(name)
                XCTAssertEqual(t.shape, want.shape, "\(fileName):\(name)")
                let got = try t.doubles()
                // Exact: every dtype here widens to float64 without rounding (int64 extremes are powers of two or one off
                // them, which Python's float() rounds the same way Double(Int64) does).
                XCTAssertEqual(got.map { $0.bitPattern }, want.values.map { Double($0)!.bitPattern }, "\(fileName):\(name)")
            }
        }
    }

    func testReadsBFloat16AsFloat32Exactly() throws {
        let st = try SafeTensorsFile(url: FixturePaths.fixture("safetensors/every_dtype.safetensors"))
        let t = try st.tensor("bfloat16")
        XCTAssertEqual(t.dtype, .bfloat16)
        XCTAssertEqual(t.shape, [3, 2])
        // bfloat16 of 0.1 is 0x3DCD -> 0.10009765625; 3e38 rounds to 0x7F62 -> 2.9975e38.
        XCTAssertEqual(try t.floats(), [1.5, -2.25, Float(bitPattern: 0x3DCD_0000), Float(bitPattern: 0x7F62_0000), -0.0, 7])
        XCTAssertEqual(try t.floats()[4].sign, .minus)
        XCTAssertThrowsError(try t.npyArray(name: "bfloat16")) {
            XCTAssertEqual($0 as? SafeTensorsError, .noNumPyDType(tensor: "bfloat16", dtype: "BF16"))
        }
        XCTAssertEqual(try t.float32Array().dtype, .float32)
    }

    func testMapsOntoNumPyArraysWithTheSameBytes() throws {
        let st = try SafeTensorsFile(url: FixturePaths.fixture("safetensors/every_dtype.safetensors"))
        let a = try st.tensor("int16").npyArray()
        XCTAssertEqual(a.dtype.descr, "<i2")
        XCTAssertEqual(try a.int64s(), [-1, -2, -3, -4, -5, -6])
        XCTAssertEqual(try st.tensor("bool").npyArray().dtype.descr, "|b1")
        XCTAssertEqual(try st.tensor("scalar").npyArray().shape, [])
        XCTAssertEqual(try st.tensor("empty").npyArray().count, 0)
    }

    func testConvertsFortranOrderedBigEndianNumPyArraysToRowMajorLittleEndian() throws {
        // Fortran storage of [[1,2,3],[4,5,6]] as big-endian int32.
        let storage = try NPYArray(shape: [3, 2], values: [1, 4, 2, 5, 3, 6], dtype: NPYDType(.int32, byteOrder: .big))
        let fortran = try NPYArray(dtype: storage.dtype, shape: [2, 3], fortranOrder: true, data: storage.data)
        let t = try SafeTensor(fortran)
        XCTAssertEqual(t.dtype, .int32)
        XCTAssertEqual(t.data, try NPYArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6], dtype: NPYDType(.int32, byteOrder: .little)).data)
    }

    func testRefusesDataThatDoesNotFitTheShape() {
        XCTAssertThrowsError(try SafeTensor(dtype: .float32, shape: [2], data: Data(count: 7)))
        XCTAssertThrowsError(try SafeTensor(dtype: .float32, shape: [-1], data: Data()))
        XCTAssertThrowsError(try SafeTensor(dtype: .float64, shape: [Int.max, 2], data: Data()))
    }

    func testOpeningReadsOnlyTheHeader() throws {
        // A tensor over the array limit is refused from the header alone, before any data is read.
        let url = FixturePaths.fixture("safetensors/no_metadata.safetensors")
        XCTAssertThrowsError(try SafeTensorsFile(url: url, limits: .init(maxArrayBytes: 16))) { error in
            XCTAssertEqual(error as? SafeTensorsError, .tooLarge(file: url.path, what: "tensor 'weight'", bytes: 48, limit: 16))
        }
        XCTAssertThrowsError(try SafeTensorsFile(url: url, limits: .init(maxMembers: 1)))
    }
}
