import Foundation
import TestSupport
import XCTest

/// `convert` to a stored `.npz` or a `.safetensors` file copies each array 8 MiB at a time, whatever its source
/// (`.npy`, `.npz`, `.safetensors`): peak memory is the process's own (about 30-45 MiB), not a member's size. The
/// archive (three 128 MiB float32 members, one big-endian) is made by NumPy in a temporary directory.
final class PieceByPieceCopyTests: XCTestCase {
    private static let memberBytes = 128 << 20

    /// The bound: half a member. Holding one member at a time, as a converter may, gives about 1.3x a member here.
    private static let peakFraction = 0.5

    func testConvertToStoredOutputsPeaksBelowHalfAMemberAndKeepsEveryBit() throws {
        let dir = TemporaryDirectory()
        let source = dir.file("three.npz")
        _ = try runPython(
            """
            import sys, numpy as np
            n = \(Self.memberBytes / 4)
            a = (np.arange(n, dtype=np.int64) % 1000 - 500).astype(np.float32)
            np.savez(sys.argv[1], a=a, b=(-a).astype('>f4'), c=a.reshape(-1, 1024) / 7)
            np.save(sys.argv[2], a)
            """, args: [source.path, dir.file("a.npy").path])
        let steps: [(from: String, to: String)] = [
            ("three.npz", "copy.npz"), ("three.npz", "three.safetensors"), ("three.safetensors", "back.npz"),
            ("three.safetensors", "copy.safetensors"), ("a.npy", "a.npz"), ("a.npy", "a.safetensors"),
        ]
        for (from, to) in steps {
            let (r, peak) = try WeightBridgeBinary.runMeasured(["convert", dir.file(from).path, dir.file(to).path])
            XCTAssertEqual(r.status, 0, r.stderr)
            let fraction = Double(peak) / Double(Self.memberBytes)
            print(
                "measured: convert \(from) -> \(to) (\(Self.memberBytes >> 20) MiB members) peaks at \(peak >> 20) MiB (\(fraction)x a member)"
            )
            XCTAssertLessThanOrEqual(fraction, Self.peakFraction, "\(from) -> \(to)")
        }
        // Every output holds NumPy's arrays bit for bit (the big-endian member comes back little-endian from
        // .safetensors, same values), and zipfile finds every CRC right.
        let same = try runPython(
            """
            import sys, zipfile, numpy as np
            from safetensors.numpy import load_file
            d = sys.argv[1]
            src = np.load(d + '/three.npz')
            ok = []
            for f in ('copy.npz', 'back.npz'):
                z = np.load(d + '/' + f)
                ok.append(all(np.array_equal(src[k], z[k]) for k in 'abc') and z['b'].dtype == np.dtype('>f4' if f == 'copy.npz' else '<f4'))
                ok.append(zipfile.ZipFile(d + '/' + f).testzip() is None)
            for f in ('three.safetensors', 'copy.safetensors'):
                t = load_file(d + '/' + f)
                ok.append(all(np.array_equal(src[k], t[k]) for k in 'abc'))
            ok.append(open(d + '/three.safetensors', 'rb').read() == open(d + '/copy.safetensors', 'rb').read())
            a = np.load(d + '/a.npy')
            ok.append(np.array_equal(np.load(d + '/a.npz')['a'], a) and np.array_equal(load_file(d + '/a.safetensors')['a'], a))
            print(ok)
            """, args: [dir.url.path])
        XCTAssertEqual(same.trimmingCharacters(in: .whitespacesAndNewlines), "[True, True, True, True, True, True, True, True]")
    }

    /// A member whose bytes do not match its CRC-32 ends the copy with the reader's one-line error after the data has
    /// streamed through, and leaves no output (the temporary file is removed, nothing is renamed into place).
    func testACorruptMemberLeavesNoOutput() throws {
        let dir = TemporaryDirectory()
        let source = dir.file("bad.npz")
        _ = try runPython(
            """
            import sys, numpy as np
            np.savez(sys.argv[1], w=np.arange(300000, dtype=np.float32))
            d = bytearray(open(sys.argv[1], 'rb').read())
            d[d.find(b'w.npy') + 5 + 4096] ^= 0xFF
            open(sys.argv[1], 'wb').write(d)
            """, args: [source.path])
        for out in ["out.npz", "out.safetensors"] {
            let r = try WeightBridgeBinary.run(["convert", source.path, dir.file(out).path])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertTrue(r.stderr.contains("member 'w.npy' is corrupt: CRC-32"), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted(), ["bad.npz"])
    }
}
