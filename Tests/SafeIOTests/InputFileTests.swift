import Foundation
import SafeIO
import TestSupport
import XCTest

/// `InputFile`: every input is a regular file after symlinks, or is refused at once without blocking.
final class InputFileTests: XCTestCase {
    func testRefusesAFIFOWithoutBlocking() throws {
        let dir = TemporaryDirectory()
        let fifo = dir.file("fifo.npy")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        // No writer is attached: a plain open(2) would block here forever.
        XCTAssertThrowsError(try InputFile.open(fifo)) {
            XCTAssertEqual($0 as? SafeIOError, .notRegularFile(file: fifo.path, kind: "a FIFO (named pipe)"))
            XCTAssertEqual($0.localizedDescription, "\(fifo.path): is a FIFO (named pipe), not a regular file; refused")
        }
        XCTAssertThrowsError(try InputFile.check(fifo))
    }

    func testRefusesDevicesAndDirectories() throws {
        for device in ["/dev/zero", "/dev/urandom", "/dev/null"] where FileManager.default.fileExists(atPath: device) {
            XCTAssertThrowsError(try InputFile.check(URL(fileURLWithPath: device))) {
                XCTAssertEqual($0 as? SafeIOError, .notRegularFile(file: device, kind: "a character device"))
            }
        }
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(try InputFile.readAll(dir.url, maxBytes: 1 << 20)) {
            XCTAssertEqual($0 as? SafeIOError, .notRegularFile(file: dir.url.path, kind: "a directory"))
        }
    }

    func testFollowsSymlinksToRegularFilesAndRefusesSymlinksToFIFOs() throws {
        let dir = TemporaryDirectory()
        let file = dir.file("a.json")
        try Data("{}".utf8).write(to: file)
        let link = dir.file("link.json")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
        XCTAssertEqual(try InputFile.readAll(link, maxBytes: 100), Data("{}".utf8))
        let fifo = dir.file("fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let fifoLink = dir.file("fifo-link.npy")
        try FileManager.default.createSymbolicLink(at: fifoLink, withDestinationURL: fifo)
        XCTAssertThrowsError(try InputFile.check(fifoLink)) {
            XCTAssertEqual($0 as? SafeIOError, .notRegularFile(file: fifoLink.path, kind: "a FIFO (named pipe)"))
        }
    }

    func testReadAllRefusesFilesOverTheLimitBeforeReading() throws {
        let dir = TemporaryDirectory()
        let file = dir.file("big.json")
        try Data(count: 1000).write(to: file)
        XCTAssertThrowsError(try InputFile.readAll(file, maxBytes: 999)) {
            XCTAssertEqual($0 as? SafeIOError, .limitExceeded(file: file.path, what: nil, value: 1000, limit: 999, unit: "bytes"))
        }
        XCTAssertThrowsError(try InputFile.open(dir.file("missing"))) {
            XCTAssertEqual($0 as? SafeIOError, .cannotOpen(file: dir.file("missing").path, reason: "No such file or directory"))
        }
    }
}
