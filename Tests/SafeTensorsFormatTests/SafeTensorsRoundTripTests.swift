import Foundation
import NumPyFormat
import SafeTensorsFormat
import TestSupport
import XCTest

/// Round trips through the real `safetensors` package are bit-identical in both directions.
final class SafeTensorsRoundTripTests: XCTestCase {
    /// Every tensor and the metadata of `url`, rewritten by WeightBridge to `out`.
    private func rewrite(_ url: URL, to out: URL) throws {
        let file = try SafeTensorsFile(url: url)
        let plans = try file.names.map { name -> SafeTensorsWriter.Plan in
            let e = try file.entry(name)
            return SafeTensorsWriter.Plan(name: name, dtype: e.dtype, shape: e.shape)
        }
        // Plans in reverse order: the writer, not the caller, decides the layout.
        try SafeTensorsWriter.write(plans.reversed(), metadata: file.metadata, to: out) { try file.tensor($0) }
    }

    func testRewritingFilesTheSafetensorsPackageWroteGivesTheSameBytes() throws {
        let tmp = TemporaryDirectory()
        for name in ["every_dtype.safetensors", "no_metadata.safetensors", "empty.safetensors", "names.safetensors", "noextension"] {
            let url = FixturePaths.fixture("safetensors/\(name)")
            try rewrite(url, to: tmp.file(name))
            XCTAssertEqual(try Data(contentsOf: tmp.file(name)), try Data(contentsOf: url), name)
        }
    }

    /// `file`'s tensors as writer plans, in the reverse of the file's order (which is the reference writer's).
    private func reversedPlans(of file: SafeTensorsFile) throws -> [SafeTensorsWriter.Plan] {
        try file.names.reversed().map { name in
            let e = try file.entry(name)
            return SafeTensorsWriter.Plan(name: name, dtype: e.dtype, shape: e.shape)
        }
    }

    /// Writing in the source's own order (each tensor at its place, as a stream of weights gives them) gives the bytes
    /// the reference writer's order gives: the package's own files, rewritten with the plans reversed.
    func testWritingInPlanOrderGivesTheSameBytes() throws {
        let tmp = TemporaryDirectory()
        for name in ["every_dtype.safetensors", "no_metadata.safetensors", "empty.safetensors", "names.safetensors"] {
            let url = FixturePaths.fixture("safetensors/\(name)")
            let file = try SafeTensorsFile(url: url)
            let plans = try reversedPlans(of: file)
            var asked: [String] = []
            try SafeTensorsWriter.write(
                plans, metadata: file.metadata, to: tmp.file(name),
                inPlanOrder: {
                    asked.append(plans[$0].name)
                    return try file.tensor(plans[$0].name)
                })
            XCTAssertEqual(asked, plans.map(\.name), name)
            XCTAssertEqual(try Data(contentsOf: tmp.file(name)), try Data(contentsOf: url), name)
        }
    }

    func testWritingInPlanOrderPieceByPieceGivesTheSameBytes() throws {
        let tmp = TemporaryDirectory()
        for name in ["every_dtype.safetensors", "no_metadata.safetensors", "empty.safetensors", "names.safetensors"] {
            let url = FixturePaths.fixture("safetensors/\(name)")
            let file = try SafeTensorsFile(url: url)
            let plans = try reversedPlans(of: file)
            // Pieces of 3 bytes, so that they cut through values.
            try SafeTensorsWriter.write(
                plans, metadata: file.metadata, to: tmp.file(name),
                inPlanOrder: { (i: Int, sink: (Data) throws -> Void) in
                    let data = try file.tensor(plans[i].name).data
                    for start in stride(from: 0, to: data.count, by: 3) { try sink(data.subdata(in: start..<min(start + 3, data.count))) }
                })
            XCTAssertEqual(try Data(contentsOf: tmp.file(name)), try Data(contentsOf: url), name)
        }
    }

    func testPiecesThatDoNotAddUpToTheirPlanAreRefusedAndLeaveNoFile() {
        let tmp = TemporaryDirectory()
        let plans = [
            SafeTensorsWriter.Plan(name: "a", dtype: .float32, shape: [2]), SafeTensorsWriter.Plan(name: "b", dtype: .float32, shape: [3]),
        ]
        for extra in [-4, 4] {
            XCTAssertThrowsError(
                try SafeTensorsWriter.write(
                    plans, to: tmp.file("w.safetensors"),
                    inPlanOrder: { (i: Int, sink: (Data) throws -> Void) in try sink(Data(count: i == 0 ? 8 : 12 + extra)) })
            ) { error in
                guard case .invalidTensor(let name, _) = error as? SafeTensorsError else { return XCTFail("\(error)") }
                XCTAssertEqual(name, "b")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.url.path), [], "extra \(extra)")
        }
    }

    /// Python that loads each file with the real package and writes it again with `safetensors.numpy.save_file`
    /// (bfloat16 through ml_dtypes), next to it as `<file>.py.safetensors`.
    private let pythonRewrite = """
        import sys, json, struct, numpy as np, ml_dtypes, safetensors
        from safetensors.numpy import save_file
        types = {"BF16": ml_dtypes.bfloat16, "F16": np.float16, "F32": np.float32, "F64": np.float64, "BOOL": np.bool_,
                 "U8": np.uint8, "I8": np.int8, "U16": np.uint16, "I16": np.int16, "U32": np.uint32, "I32": np.int32,
                 "U64": np.uint64, "I64": np.int64}
        for p in sys.argv[1:]:
            raw = open(p, "rb").read()
            n = struct.unpack("<Q", raw[:8])[0]
            metadata = json.loads(raw[8:8 + n]).get("__metadata__")
            tensors = {k: np.frombuffer(bytes(v["data"]), dtype=types[v["dtype"]]).reshape(v["shape"]) for k, v in safetensors.deserialize(raw)}
            save_file(tensors, p + ".py.safetensors", metadata=metadata)
        """

    func testTheSafetensorsPackageRewritesSwiftWrittenFilesToTheSameBytes() throws {
        let tmp = TemporaryDirectory()
        var tensors: [(name: String, tensor: SafeTensor)] = [
            ("dense/kernel", try SafeTensor(NPYArray(shape: [2, 3], float32: [1.5, -2.25, 0.1, 3.4e38, -0.0, 7]))),
            ("dense/bias", try SafeTensor(NPYArray(shape: [3], float64: [0.1, -1e-300, 1.0 / 3.0]))),
            ("scalar", try SafeTensor(NPYArray(shape: [], float64: [2.5]))),
            ("empty", try SafeTensor(NPYArray(shape: [0, 4], float32: []))),
            ("bf16", try SafeTensor(dtype: .bfloat16, shape: [2], data: Data([0xC0, 0x3F, 0x10, 0xC0]))),
            ("quote\"and\\slash/é\t", try SafeTensor(NPYArray(shape: [1], float32: [4]))),
        ]
        for type in NPYElementType.allCases {
            let v: [Double] = type == .bool ? [0, 1, 1, 0] : type.isFloatingPoint ? [0.5, -1, 65504, 0] : [1, 2, 3, 4]
            tensors.append(
                ("t_\(type.rawValue)", try SafeTensor(NPYArray(shape: [2, 2], values: v, dtype: NPYDType(type, byteOrder: .big)))))
        }
        var paths: [String] = []
        for (i, metadata) in [nil, [("format", "np")], [("note", "line\nbreak \u{1} \"quoted\"")]].enumerated() {
            let url = tmp.file("w\(i).safetensors")
            try SafeTensorsWriter.write(tensors, metadata: metadata, to: url)
            paths.append(url.path)
        }
        try SafeTensorsWriter.write([], to: tmp.file("none.safetensors"))
        paths.append(tmp.file("none.safetensors").path)
        _ = try runPython(pythonRewrite, args: paths)
        for p in paths {
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: p + ".py.safetensors")), try Data(contentsOf: URL(fileURLWithPath: p)), p)
        }
    }

    func testRefusesReservedAndDuplicateNamesWhenWriting() throws {
        let tmp = TemporaryDirectory()
        let t = try SafeTensor(NPYArray(shape: [1], float32: [1]))
        XCTAssertThrowsError(try SafeTensorsWriter.write([("__metadata__", t)], to: tmp.file("a.safetensors")))
        XCTAssertThrowsError(try SafeTensorsWriter.write([("a", t), ("a", t)], to: tmp.file("b.safetensors")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.file("a.safetensors").path))
    }
}
