import Foundation
import SafeIO
import TestSupport
import XCTest

/// Fault injection for `AtomicFile`: whatever fails, the previous file stays bit-identical and no
/// temporary file is left behind.
final class AtomicFileTests: XCTestCase {
    private struct BodyFailure: Error, Equatable {}

    private let previous = Data("previous contents, must survive\n".utf8)

    private func listing(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    func testReplacesTheFileAndLeavesNoTemporaryFile() throws {
        let dir = TemporaryDirectory()
        let target = dir.file("out.bin")
        try previous.write(to: target)
        try AtomicFile.write(Data([1, 2, 3]), to: target)
        XCTAssertEqual(try Data(contentsOf: target), Data([1, 2, 3]))
        XCTAssertEqual(try listing(dir.url), ["out.bin"])
    }

    func testBodyThrowingMidwayKeepsPreviousFileAndRemovesTemporaryFile() throws {
        let dir = TemporaryDirectory()
        let target = dir.file("weights.npz")
        try previous.write(to: target)
        var sawTemporary: URL?
        XCTAssertThrowsError(
            try AtomicFile.write(to: target) { tmp in
                sawTemporary = tmp
                let handle = try FileHandle(
                    forWritingTo: {
                        FileManager.default.createFile(atPath: tmp.path, contents: nil)
                        return tmp
                    }())
                try handle.write(contentsOf: Data(repeating: 0xAB, count: 100_000))  // half-written
                try handle.close()
                throw BodyFailure()
            }
        ) { XCTAssertEqual($0 as? BodyFailure, BodyFailure()) }
        XCTAssertEqual(sawTemporary?.deletingLastPathComponent().path, dir.url.path, "temporary file must be beside the target")
        XCTAssertEqual(try Data(contentsOf: target), previous)
        XCTAssertEqual(try listing(dir.url), ["weights.npz"])
    }

    func testBodyThrowingWithoutPreviousFileLeavesNothing() throws {
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(
            try AtomicFile.write(to: dir.file("new.bin")) { tmp in
                try Data([1, 2, 3]).write(to: tmp)
                throw BodyFailure()
            })
        XCTAssertEqual(try listing(dir.url), [])
    }

    func testBodyThatWritesNothingFailsCleanly() throws {
        let dir = TemporaryDirectory()
        let target = dir.file("out.bin")
        try previous.write(to: target)
        XCTAssertThrowsError(try AtomicFile.write(to: target) { _ in }) { error in
            guard case .writeFailed(let path, let reason)? = error as? SafeIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, target.path)
            XCTAssertTrue(reason.contains("vanished"), reason)
        }
        XCTAssertEqual(try Data(contentsOf: target), previous)
        XCTAssertEqual(try listing(dir.url), ["out.bin"])
    }

    func testOverwriteFalseRefusesExistingFileWithoutCallingTheBody() throws {
        let dir = TemporaryDirectory()
        let target = dir.file("model.h5")
        try previous.write(to: target)
        var called = false
        XCTAssertThrowsError(
            try AtomicFile.write(to: target, overwrite: false) { tmp in
                called = true
                try Data([0]).write(to: tmp)
            }
        ) { XCTAssertEqual($0 as? SafeIOError, .exists(file: target.path)) }
        XCTAssertFalse(called)
        XCTAssertEqual(try Data(contentsOf: target), previous)
        XCTAssertEqual(try listing(dir.url), ["model.h5"])
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: target, overwrite: false)) {
            XCTAssertEqual($0 as? SafeIOError, .exists(file: target.path))
        }
    }

    func testOverwriteFalseNeverReplacesAFileThatAppearsWhileWriting() throws {
        let dir = TemporaryDirectory()
        let target = dir.file("model.h5")
        XCTAssertThrowsError(
            try AtomicFile.write(to: target, overwrite: false) { tmp in
                try Data([9, 9]).write(to: tmp)
                // Another process creates the target between the existence check and the publish.
                try self.previous.write(to: target)
            }
        ) { XCTAssertEqual($0 as? SafeIOError, .exists(file: target.path)) }
        XCTAssertEqual(try Data(contentsOf: target), previous)
        XCTAssertEqual(try listing(dir.url), ["model.h5"])
    }

    func testMissingDirectoryAndParentThatIsAFileAreRefused() throws {
        let dir = TemporaryDirectory()
        let missing = dir.url.appendingPathComponent("no/such/dir/out.bin")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: missing)) {
            XCTAssertEqual($0 as? SafeIOError, .noDirectory(file: missing.deletingLastPathComponent().path))
        }
        // Root ignores permission bits, so a parent that is a regular file is the portable "cannot write here".
        let file = dir.file("plain")
        try previous.write(to: file)
        let inside = file.appendingPathComponent("out.bin")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: inside)) {
            XCTAssertEqual($0 as? SafeIOError, .noDirectory(file: file.path))
        }
        XCTAssertEqual(try Data(contentsOf: file), previous)
        XCTAssertEqual(try listing(dir.url), ["plain"])
    }

    func testRenameFailureRemovesTheTemporaryFile() throws {
        // rename(2) of a file onto a non-empty directory fails (EISDIR) after the body has written.
        let dir = TemporaryDirectory()
        let target = dir.file("taken")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try previous.write(to: target.appendingPathComponent("keep"))
        XCTAssertThrowsError(try AtomicFile.write(Data(repeating: 7, count: 4096), to: target)) { error in
            guard case .writeFailed(let path, _)? = error as? SafeIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, target.path)
        }
        XCTAssertEqual(try listing(dir.url), ["taken"])
        XCTAssertEqual(try Data(contentsOf: target.appendingPathComponent("keep")), previous)
    }

    func testReadOnlyDirectoryFailsWithWriteFailed() throws {
        let target: URL
        var keep: AnyObject
        if getuid() == 0 {
            // Root writes through mode 0555: mount a read-only filesystem instead.
            let fs = try TinyFilesystem(kilobytes: 64, readOnly: true)
            target = fs.file("out.bin")
            keep = fs
        } else {
            let dir = TemporaryDirectory()
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir.url.path)
            target = dir.file("out.bin")
            keep = dir
        }
        XCTAssertThrowsError(try AtomicFile.write(Data(repeating: 1, count: 1000), to: target)) { error in
            guard case .writeFailed(let path, _)? = error as? SafeIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, target.path)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
        if let dir = keep as? TemporaryDirectory {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.url.path)
        }
        keep = NSNull()
    }

    func testFullDiskFailsWithWriteFailedAndKeepsPreviousFile() throws {
        let fs = try TinyFilesystem(kilobytes: 64)
        let target = fs.file("weights.bin")
        try previous.write(to: target)
        XCTAssertThrowsError(try AtomicFile.write(Data(repeating: 0x5A, count: 1 << 20), to: target)) { error in
            guard case .writeFailed(let path, let reason)? = error as? SafeIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, target.path)
            XCTAssertTrue(reason.lowercased().contains("space"), reason)  // "There isn’t enough space." (Foundation)
            XCTAssertTrue(error.localizedDescription.hasSuffix("the previous file, if any, is untouched"))
        }
        XCTAssertEqual(try Data(contentsOf: target), previous)
        XCTAssertEqual(try fs.listing(), ["weights.bin"])
        // The space is back: a write that fits still succeeds.
        try AtomicFile.write(Data(repeating: 1, count: 16 << 10), to: target)
        XCTAssertEqual(try Data(contentsOf: target), Data(repeating: 1, count: 16 << 10))
        XCTAssertEqual(try fs.listing(), ["weights.bin"])
    }

    func testFullDiskInsideABodyRemovesTheTemporaryFile() throws {
        let fs = try TinyFilesystem(kilobytes: 64)
        let target = fs.file("log.txt")
        try previous.write(to: target)
        XCTAssertThrowsError(
            try AtomicFile.write(to: target) { tmp in
                FileManager.default.createFile(atPath: tmp.path, contents: nil)
                let handle = try FileHandle(forWritingTo: tmp)
                defer { try? handle.close() }
                for _ in 0..<64 { try handle.write(contentsOf: Data(repeating: 0x33, count: 16 << 10)) }
                try handle.synchronize()
            })
        XCTAssertEqual(try Data(contentsOf: target), previous)
        XCTAssertEqual(try fs.listing(), ["log.txt"])
    }
}
