import Foundation
import NumPyFormat
import TestSupport
import XCTest

/// The typed, dictionary-style array API (`values(as:)`, `NPYArray(shape:values:)`, `archive["W1"]`, in-memory
/// reading and writing, `loadArrays`/`save`) against files real NumPy writes and reads: every dtype, integer
/// extremes that a detour through `Double` would round, bool and float16.
final class TypedArrayTests: XCTestCase {
    /// NumPy writes one member per dtype (and a big-endian int64) to `all.npz`, the int64 member alone to `i8.npy`,
    /// and prints the same archive compressed into a `BytesIO`, as hex.
    private let numpyWrites = """
        import io, sys, numpy as np
        d = sys.argv[1]
        arrays = {
            'f2': np.array([[1.5, -0.0], [65504, 6.103515625e-05]], dtype='<f2'),
            'f4': np.array([1.5, -2.25, 3.4028234663852886e38], dtype='<f4'),
            'f8': np.array([0.1, -1e-300, 1 / 3], dtype='<f8'),
            'i1': np.array([-128, 0, 127], dtype='i1'),
            'i2': np.array([-32768, 32767], dtype='<i2'),
            'i4': np.array([-2**31, 2**31 - 1], dtype='<i4'),
            'i8': np.array([-2**63, 2**63 - 1, 2**53 + 1], dtype='<i8'),
            'u1': np.array([0, 255], dtype='u1'),
            'u2': np.array([0, 65535], dtype='<u2'),
            'u4': np.array([0, 2**32 - 1], dtype='<u4'),
            'u8': np.array([0, 2**64 - 1, 2**53 + 1], dtype='<u8'),
            'b1': np.array([[True, False, True]]),
            'i8_big': np.array([-2**63, 2**63 - 1], dtype='>i8'),
            'f4_fortran': np.asfortranarray(np.array([[1, 2, 3], [4, 5, 6]], dtype='<f4')),
        }
        np.savez(d + '/all.npz', **arrays)
        np.save(d + '/i8.npy', arrays['i8'])
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        sys.stdout.write(buffer.getvalue().hex())
        """

    /// Checks every member of NumPy's archive through the typed accessor of its own element type.
    private func checkNumpyArrays(_ arrays: [String: NPYArray], file: StaticString = #filePath, line: UInt = #line) throws {
        func get(_ name: String) throws -> NPYArray { try XCTUnwrap(arrays[name], name, file: file, line: line) }
        XCTAssertEqual(try get("f2").values(as: Float16.self), [1.5, -0.0, 65504, 6.103515625e-05], file: file, line: line)
        XCTAssertEqual(try get("f2").shape, [2, 2], file: file, line: line)
        XCTAssertEqual(try get("f4").values(as: Float.self), [1.5, -2.25, .greatestFiniteMagnitude], file: file, line: line)
        XCTAssertEqual(try get("f8").values(as: Double.self), [0.1, -1e-300, 1.0 / 3.0], file: file, line: line)
        XCTAssertEqual(try get("i1").values(as: Int8.self), [.min, 0, .max], file: file, line: line)
        XCTAssertEqual(try get("i2").values(as: Int16.self), [.min, .max], file: file, line: line)
        XCTAssertEqual(try get("i4").values(as: Int32.self), [.min, .max], file: file, line: line)
        XCTAssertEqual(try get("i8").values(as: Int64.self), [.min, .max, 9_007_199_254_740_993], file: file, line: line)
        XCTAssertEqual(try get("u1").values(as: UInt8.self), [0, .max], file: file, line: line)
        XCTAssertEqual(try get("u2").values(as: UInt16.self), [0, .max], file: file, line: line)
        XCTAssertEqual(try get("u4").values(as: UInt32.self), [0, .max], file: file, line: line)
        XCTAssertEqual(try get("u8").values(as: UInt64.self), [0, .max, 9_007_199_254_740_993], file: file, line: line)
        XCTAssertEqual(try get("b1").values(as: Bool.self), [true, false, true], file: file, line: line)
        XCTAssertEqual(try get("b1").shape, [1, 3], file: file, line: line)
        XCTAssertEqual(try get("i8_big").values(as: Int64.self), [.min, .max], file: file, line: line)
        XCTAssertEqual(try get("f4_fortran").values(as: Float.self), [1, 2, 3, 4, 5, 6], file: file, line: line)
        // Widening across types stays exact where the target holds the value.
        XCTAssertEqual(try get("i4").values(as: Int64.self), [-2_147_483_648, 2_147_483_647], file: file, line: line)
        XCTAssertEqual(try get("u1").values(as: Double.self), [0, 255], file: file, line: line)
        XCTAssertEqual(try get("b1").values(as: UInt8.self), [1, 0, 1], file: file, line: line)
    }

    func testReadsEveryDTypeNumpyWritesFromFileAndFromMemory() throws {
        let dir = TemporaryDirectory()
        let hex = try runPython(numpyWrites, args: [dir.url.path])
        let bytes = try XCTUnwrap(Data(hexString: hex), "python printed no archive")

        let archive = try NPZArchive(url: dir.file("all.npz"))
        XCTAssertEqual(archive.keys, ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1", "i8_big", "f4_fortran"])
        XCTAssertEqual(archive.count, 14)
        XCTAssertTrue(archive.contains("i8") && archive.contains("i8.npy"))
        XCTAssertNil(try archive["missing"])
        XCTAssertEqual(try archive["i8"]?.values(as: Int64.self), [.min, .max, 9_007_199_254_740_993])
        try checkNumpyArrays(try archive.arrays())

        try checkNumpyArrays(try loadArrays(url: dir.file("all.npz")))
        try checkNumpyArrays(try NPZArchive(data: bytes, source: "buffer.npz").arrays())
        try checkNumpyArrays(try loadArrays(data: bytes))
        let single = try loadArrays(url: dir.file("i8.npy"))
        XCTAssertEqual(Array(single.keys), ["i8"])
        XCTAssertEqual(try single["i8"]?.values(as: Int64.self), [.min, .max, 9_007_199_254_740_993])
        XCTAssertEqual(try loadArray(url: dir.file("i8.npy")).values(as: Int64.self), [.min, .max, 9_007_199_254_740_993])
    }

    /// Swift writes one typed array per element type, to a file by `save(arrays:url:)` and to bytes by
    /// `NPZWriter.encode`; NumPy prints each member's dtype, shape and values.
    func testNumpyReadsEveryDTypeSwiftWritesToFileAndToMemory() throws {
        let dir = TemporaryDirectory()
        let arrays: [String: NPYArray] = [
            "f2": try NPYArray(shape: [2], values: [Float16(1.5), -65504]),
            "f4": try NPYArray(shape: [1, 2], values: [Float(0.25), -3]),
            "f8": try NPYArray(shape: [2], values: [0.1, -1e-300]),
            "i1": try NPYArray(shape: [2], values: [Int8.min, .max]),
            "i2": try NPYArray(shape: [2], values: [Int16.min, .max]),
            "i4": try NPYArray(shape: [2], values: [Int32.min, .max]),
            "i8": try NPYArray(shape: [3], values: [Int64.min, .max, 9_007_199_254_740_993]),
            "int": try NPYArray(shape: [], values: [42]),
            "u1": try NPYArray(shape: [2], values: [UInt8(0), .max]),
            "u2": try NPYArray(shape: [2], values: [UInt16(0), .max]),
            "u4": try NPYArray(shape: [2], values: [UInt32(0), .max]),
            "u8": try NPYArray(shape: [3], values: [UInt64(0), .max, 9_007_199_254_740_993]),
            "b1": try NPYArray(shape: [2, 2], values: [true, false, false, true]),
        ]
        try save(arrays: arrays, url: dir.file("swift.npz"))
        try NPZWriter.encode(arrays.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, compressed: true)
            .write(to: dir.file("memory.npz"))
        let printed = try runPython(
            """
            import sys, numpy as np
            for p in sys.argv[1:]:
                with np.load(p, allow_pickle=False) as z:
                    print(' '.join(f'{k}:{z[k].dtype.str}:{list(z[k].shape)}:{z[k].tolist()}' for k in z.files))
            """, args: [dir.file("swift.npz").path, dir.file("memory.npz").path])
        let expected =
            "b1:|b1:[2, 2]:[[True, False], [False, True]] f2:<f2:[2]:[1.5, -65504.0] f4:<f4:[1, 2]:[[0.25, -3.0]] "
            + "f8:<f8:[2]:[0.1, -1e-300] i1:|i1:[2]:[-128, 127] i2:<i2:[2]:[-32768, 32767] "
            + "i4:<i4:[2]:[-2147483648, 2147483647] i8:<i8:[3]:[-9223372036854775808, 9223372036854775807, 9007199254740993] "
            + "int:<i8:[]:42 u1:|u1:[2]:[0, 255] u2:<u2:[2]:[0, 65535] u4:<u4:[2]:[0, 4294967295] "
            + "u8:<u8:[3]:[0, 18446744073709551615, 9007199254740993]"
        XCTAssertEqual(printed.split(separator: "\n").map(String.init), [expected, expected])
        // And the bytes read back in memory as they were written.
        let back = try loadArrays(data: try Data(contentsOf: dir.file("memory.npz")))
        XCTAssertEqual(back, arrays)
    }

    func testRefusesConversionsThatWouldChangeAValue() throws {
        let floats = NPYArray(shape: [2], float32: [1, 2.5])
        XCTAssertThrowsError(try floats.values(as: Int32.self)) { error in
            XCTAssertEqual(error.localizedDescription, "array of dtype '<f4' cannot be read as Int32")
        }
        XCTAssertThrowsError(try floats.values(as: Bool.self))
        let wide = try NPYArray(shape: [2], values: [Int16(1), 300])
        XCTAssertThrowsError(try wide.values(as: UInt8.self)) { error in
            XCTAssertEqual(error.localizedDescription, "value 300 of an array of dtype '<i2' cannot be read exactly as UInt8")
        }
        XCTAssertThrowsError(try NPYArray(shape: [1], values: [UInt64.max]).values(as: Int64.self))
        XCTAssertThrowsError(try NPYArray(shape: [2], values: [Int8(2), 0]).values(as: Bool.self))
        XCTAssertThrowsError(try NPYArray(shape: [3], values: [Int64(1), 2])) { error in
            XCTAssertEqual(error.localizedDescription, "2 values given for shape [3], expected 3")
        }
    }

    func testRefusesACorruptArchiveInMemoryNamingItsSource() throws {
        var bytes = try NPZWriter.encode([(name: "x", array: NPYArray(shape: [4], float32: [1, 2, 3, 4]))])
        bytes[bytes.count / 3] ^= 0xFF
        XCTAssertThrowsError(try NPZArchive(data: bytes, source: "upload.npz").array("x")) { error in
            XCTAssertTrue(error.localizedDescription.contains("upload.npz"), error.localizedDescription)
        }
        XCTAssertThrowsError(try NPZArchive(data: bytes.prefix(20), source: "upload.npz")) { error in
            XCTAssertTrue(error.localizedDescription.contains("upload.npz"), error.localizedDescription)
        }
    }
}

extension Data {
    /// Bytes from lowercase or uppercase hex digits; nil for an odd count or a non-hex character.
    fileprivate init?(hexString: String) {
        let digits = Array(hexString.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.init(bytes)
    }
}
