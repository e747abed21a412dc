import Foundation
import TestSupport
import XCTest

/// Issue 16 on the built binary: special files, messages that cannot be abused, and names the reference refuses.
/// Every refusal is one printable line of at most about 300 characters that names the file, with exit status 2.
final class HostileFileCommandTests: XCTestCase {
    /// The longest error line accepted: "weightbridge: " plus the printer's cap plus the "…(N characters)" note.
    static let maxLineLength = 14 + 300 + 30

    /// `assertOneLineError`, plus: the line is printable (no control or bidi character) and at most `maxLineLength`.
    func assertRefusal(_ r: ProcessResult, mentioning: String, file: StaticString = #filePath, line: UInt = #line) {
        assertOneLineError(r, mentioning: mentioning, file: file, line: line)
        let text = r.stderr.hasSuffix("\n") ? String(r.stderr.dropLast()) : r.stderr
        XCTAssertLessThanOrEqual(text.unicodeScalars.count, Self.maxLineLength, text, file: file, line: line)
        XCTAssertFalse(text.unicodeScalars.contains { isUnsafe($0) }, "unescaped control character in: \(text)", file: file, line: line)
    }

    func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value) || [0x061C, 0x200E, 0x200F, 0x2028, 0x2029].contains(s.value)
            || (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value)
    }

    // MARK: special files

    func testAFIFOAsInputIsRefusedAtOnceByEveryCommand() throws {
        let dir = TemporaryDirectory()
        for name in ["fifo.npy", "fifo.npz", "fifo.h5"] {
            let fifo = dir.file(name)
            XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
            // No writer ever opens these FIFOs: a command that opened one for reading would block forever.
            assertRefusal(
                try WeightBridgeBinary.run(["inspect", fifo.path]), mentioning: "\(fifo.path): is a FIFO (named pipe), not a regular file")
            assertRefusal(
                try WeightBridgeBinary.run(["convert", fifo.path, dir.file("out.npz").path]),
                mentioning: "\(fifo.path): is a FIFO (named pipe), not a regular file")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out.npz").path))
    }

    func testDevicesAndDirectoriesAsInputsAreRefusedNamingThem() throws {
        let dir = TemporaryDirectory()
        let weights = FixturePaths.fixture("h5/tfkeras_mlp_weights.h5").path
        for device in ["/dev/zero", "/dev/urandom"] {
            assertRefusal(
                try WeightBridgeBinary.run(["inspect", weights, "--architecture", device]),
                mentioning: "\(device): is a character device, not a regular file")
        }
        assertRefusal(
            try WeightBridgeBinary.run(["inspect", weights, "--architecture", dir.url.path]),
            mentioning: "\(dir.url.path): is a directory, not a regular file")
        let npyDir = dir.file("looks.npy")
        try FileManager.default.createDirectory(at: npyDir, withIntermediateDirectories: false)
        let r = try WeightBridgeBinary.run(["inspect", npyDir.path])
        assertRefusal(r, mentioning: "\(npyDir.path): is a directory, not a regular file")
        XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain"))
    }

    func testAnOutputThatIsADeviceIsRefusedWithAClearMessage() throws {
        let npy = FixturePaths.fixture("npy/dtype_f8_le.npy")
        guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        assertRefusal(
            try WeightBridgeBinary.run(["convert", npy.path, "/dev/full", "--force"]),
            mentioning: "/dev/full: is a character device, not a regular file; refused as an output")
        let dir = TemporaryDirectory()
        assertRefusal(
            try WeightBridgeBinary.run(["convert", npy.path, dir.file("noext").path]),
            mentioning: "\(dir.file("noext").path): has no extension; it says what to write (.npy, .npz, .safetensors, .keras or .h5)")
    }

    // MARK: messages

    func testControlAndBidiCharactersInNamesNeverReachTheTerminal() throws {
        let dir = TemporaryDirectory()
        let npz = dir.file("hostile.npz")
        // Member names with a clear-screen sequence, NUL, a right-to-left override; one member is corrupt.
        _ = try runPython(
            """
            import numpy as np, sys, zipfile, io
            def npy(a):
                b = io.BytesIO(); np.save(b, a); return b.getvalue()
            with zipfile.ZipFile(sys.argv[1], 'w') as z:
                z.writestr('\\x1b[2J\\x1b[31mred\\u202etxt.npy', npy(np.arange(3.0)))
                z.writestr('nul\\x00name.npy', npy(np.arange(2.0)))
                z.writestr('bad\\x1b[5m\\u00e9.npy', b'\\x93NUMPY\\x01\\x00' + b'garbage')  # é: a UTF-8 name
            """, args: [npz.path])
        let r = try WeightBridgeBinary.run(["inspect", npz.path])
        assertRefusal(r, mentioning: "bad\\x1B[5mé.npy")
        let good = dir.file("good.npz")
        _ = try runPython(
            """
            import numpy as np, sys
            np.savez(sys.argv[1], **{'\\x1b[2J\\x1b[31mred\\u202etxt': np.arange(3.0), 'x' * 300: np.zeros(2)})
            """, args: [good.path])
        let table = try WeightBridgeBinary.run(["inspect", good.path])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertFalse(table.stdout.unicodeScalars.contains { isUnsafe($0) && $0 != "\n" }, table.stdout)
        XCTAssertTrue(table.stdout.contains("\\x1B[2J\\x1B[31mred\\u{202E}txt"), table.stdout)
        // The 300-character name is cut to 80 plus its length, and the next column starts right after it, aligned.
        let lines = table.stdout.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.first { $0.hasPrefix("name") })
        let long = try XCTUnwrap(lines.first { $0.hasPrefix("xxxx") })
        XCTAssertTrue(long.hasPrefix(String(repeating: "x", count: 80) + "…(300 characters)  <f8"), long)
        let dtypeColumn = header.distance(from: header.startIndex, to: try XCTUnwrap(header.range(of: "dtype")).lowerBound)
        let f8Column = long.distance(from: long.startIndex, to: try XCTUnwrap(long.range(of: "<f8")).lowerBound)
        XCTAssertEqual(dtypeColumn, f8Column)
    }

    func testAMegabyteLayerNameGivesAShortLine() throws {
        let dir = TemporaryDirectory()
        let h5 = dir.file("long_name.h5")
        // A Keras 2 weights file listing one layer named with an escape and 1 MB of 'A', which has no group.
        _ = try runPython(
            """
            import h5py, numpy as np, sys
            name = '\\x1b[2J' + 'A' * 1_000_000
            with h5py.File(sys.argv[1], 'w') as f:
                f.attrs.create('layer_names', [name], dtype=h5py.string_dtype())
            """, args: [h5.path])
        let r = try WeightBridgeBinary.run(["inspect", h5.path])
        assertRefusal(r, mentioning: "\(h5.path): layer '\\x1B[2JAAAA")
        XCTAssertTrue(r.stderr.contains("…(1000004 characters)"), r.stderr)
    }

    // MARK: predict

    /// A 4 -> 3 -> 2 MLP archive in NumPy's own layout (W in,out; b), written by NumPy.
    private func makeMLP(_ url: URL) throws {
        _ = try runPython(
            """
            import numpy as np, sys
            r = np.random.default_rng(7)
            np.savez(sys.argv[1], W1=r.normal(size=(4, 3)).astype(np.float32), b1=r.normal(size=3).astype(np.float32),
                     W2=r.normal(size=(3, 2)).astype(np.float32), b2=r.normal(size=2).astype(np.float32))
            np.save(sys.argv[1] + '.x.npy', r.normal(size=(5, 4)).astype(np.float32))
            np.save(sys.argv[1] + '.one.npy', r.normal(size=4).astype(np.float32))
            """, args: [url.path])
    }

    func testPredictToAnNPZWritesAnArchiveNumPyReads() throws {
        let dir = TemporaryDirectory()
        let mlp = dir.file("mlp.npz")
        try makeMLP(mlp)
        let r = try WeightBridgeBinary.run(["predict", mlp.path, "--input", mlp.path + ".x.npy", "--output", dir.file("p.npz").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try runPython(
            """
            import numpy as np, sys, json
            w = np.load(sys.argv[1]); x = np.load(sys.argv[1] + '.x.npy').astype(np.float64)
            a = np.maximum(0, x @ w['W1'] + w['b1']); z = a @ w['W2'] + w['b2']
            e = np.exp(z - z.max(1, keepdims=True)); p = e / e.sum(1, keepdims=True)
            got = np.load(sys.argv[2]); member = got[got.files[0]]
            print(json.dumps({"files": len(got.files), "shape": list(member.shape), "dtype": str(member.dtype),
                              "maxabs": float(np.abs(member - p).max())}))
            """, args: [mlp.path, dir.file("p.npz").path])
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        XCTAssertEqual(j["files"] as? Int, 1, "one member, named after the model's output layer")
        XCTAssertEqual(j["shape"] as? [Int], [5, 2])
        XCTAssertEqual(j["dtype"] as? String, "float32")
        let float32Parity = Tolerance.float32ShortSum  // float32 arithmetic over 4 + 3 terms against NumPy's float64
        XCTAssertLessThanOrEqual(try XCTUnwrap(j["maxabs"] as? Double), float32Parity)
        let bad = try WeightBridgeBinary.run(["predict", mlp.path, "--input", mlp.path + ".x.npy", "--output", dir.file("p.txt").path])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--output must end in .npy or .npz"), bad.stderr)
    }

    func testPredictOnOneSampleSaysTheBatchAxisIsMissing() throws {
        let dir = TemporaryDirectory()
        let mlp = dir.file("mlp.npz")
        try makeMLP(mlp)
        let input = mlp.path + ".one.npy"
        assertRefusal(
            try WeightBridgeBinary.run(["predict", mlp.path, "--input", input, "--output", dir.file("p.npy").path]),
            mentioning: "\(input): shape (4,) is one sample without a batch axis; expected (N, 4)")
    }

    func testAnAmbiguousMLPOfNonSquareMatricesIsDescribedAsItIs() throws {
        let dir = TemporaryDirectory()
        let npz = dir.file("ambiguous.npz")
        _ = try runPython(
            """
            import numpy as np, sys
            np.savez(sys.argv[1], W1=np.ones((2, 3)), W2=np.ones((3, 2)))
            """, args: [npz.path])
        let r = try WeightBridgeBinary.run(["predict", npz.path, "--input", npz.path, "--output", dir.file("p.npy").path])
        assertRefusal(
            r, mentioning: "the orientation is ambiguous: W1 (2, 3), W2 (3, 2) link into a chain both as (in, out) and as (out, in)")
        XCTAssertFalse(r.stderr.contains("square") || r.stderr.contains("--input-size"), r.stderr)
    }
}
