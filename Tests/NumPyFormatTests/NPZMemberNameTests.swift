import Foundation
import NumPyFormat
import TestSupport
import XCTest

/// How `.npz` member names are decoded: UTF-8 when the ZIP entry says so (flag bit 11), IBM code page 437
/// otherwise, as the ZIP specification and Python's `zipfile` read them.
final class NPZMemberNameTests: XCTestCase {
    func testReadsEveryHighByteOfANameWithoutTheUTF8FlagAsPythonsCodePage437() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("cp437.npz").path
        // zipfile writes any non-ASCII name as UTF-8 with the flag set, so the archive is written with an ASCII
        // placeholder of the same length whose bytes (local header and central directory) are then replaced by
        // 0x80...0xFF, leaving the flag clear. Python reads the name back with its own cp437 decoder.
        let expected = try runPython(
            """
            import io, sys, zipfile
            import numpy as np
            path = sys.argv[1]
            placeholder = b"P" * 128
            array = io.BytesIO()
            np.save(array, np.arange(3, dtype=np.int32))
            with zipfile.ZipFile(path, "w") as z:
                z.writestr(placeholder.decode("ascii") + ".npy", array.getvalue())
            data = open(path, "rb").read()
            assert data.count(placeholder) == 2
            open(path, "wb").write(data.replace(placeholder, bytes(range(0x80, 0x100))))
            name = zipfile.ZipFile(path).namelist()[0]
            assert name.endswith(".npy") and not zipfile.ZipFile(path).infolist()[0].flag_bits & 0x800
            sys.stdout.buffer.write(name[:-4].encode("utf-8"))
            """, args: [path])
        XCTAssertEqual(expected.unicodeScalars.count, 128)
        let archive = try NPZArchive(url: URL(fileURLWithPath: path))
        XCTAssertEqual(archive.names, [expected])
        XCTAssertEqual(try archive.array(expected).int64s(), [0, 1, 2])
    }
}
