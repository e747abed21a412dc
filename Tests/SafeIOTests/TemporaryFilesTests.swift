import Foundation
import SafeIO
import TestSupport
import XCTest

/// `TemporaryFiles.removeStale`: what a write cleans up after a writer killed with SIGKILL. (The signal handler is
/// tested on the built binary with real signals, `Tests/CLITests/SignalDuringWriteTests.swift`.)
final class TemporaryFilesTests: XCTestCase {
    /// The PID of a process that has exited and been reaped (so it no longer exists).
    private func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    func testRemovesOnlyTemporariesOfDeadWritersInOurNaming() throws {
        let dir = TemporaryDirectory()
        let dead = try deadPID()
        let stale = ".out.npz.tmp-\(dead)-12345"
        let live = ".out.npz.tmp-1-777"  // PID 1 always exists
        let mine = ".out.npz.tmp-\(getpid())-5"  // this process: a write in progress
        let other = ".out.npz.tmp-\(dead)-notanumber"
        let plain = "out.npz"
        for name in [stale, live, mine, other, plain] { try Data("x".utf8).write(to: dir.file(name)) }
        XCTAssertEqual(TemporaryFiles.removeStale(in: dir.url), [stale])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
        XCTAssertEqual(left, [live, mine, other, plain].sorted())
    }

    func testAnAtomicWriteCleansStaleTemporariesInItsDirectory() throws {
        let dir = TemporaryDirectory()
        let stale = ".w.npy.tmp-\(try deadPID())-42"
        try Data(count: 4096).write(to: dir.file(stale))
        try AtomicFile.write(Data("new".utf8), to: dir.file("other.bin"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.url.path), ["other.bin"])
    }
}
