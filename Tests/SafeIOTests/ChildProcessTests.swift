import Foundation
import SafeIO
import TestSupport
import XCTest

final class ChildProcessTests: XCTestCase {
    private func sh(_ script: String, timeout: Double = 30, maxOutput: UInt64 = 1 << 20, maxError: Int = 1 << 16) throws
        -> ChildProcess.Outcome
    {
        try ChildProcess.run(
            executable: "/bin/sh", arguments: ["-c", script], timeoutSeconds: timeout,
            maxOutputBytes: maxOutput, maxErrorBytes: maxError)
    }

    func testReturnsExitStatusStdoutAndStderrSeparately() throws {
        let o = try sh("printf 'out'; printf 'err' >&2; exit 3")
        XCTAssertEqual(o.termination, .exited(3))
        XCTAssertEqual(String(decoding: o.output, as: UTF8.self), "out")
        XCTAssertEqual(String(decoding: o.errorOutput, as: UTF8.self), "err")
    }

    func testCrashOfTheChildIsReportedAsItsSignalNotPropagated() throws {
        let o = try sh("kill -SEGV $$")
        XCTAssertEqual(o.termination, .signaled(SIGSEGV))
        XCTAssertEqual(ChildProcess.signalName(SIGSEGV), "SIGSEGV")
    }

    func testChildStillRunningAtTheDeadlineIsKilled() throws {
        let start = Date()
        let o = try sh("sleep 30", timeout: 0.5)
        XCTAssertEqual(o.termination, .timedOut(seconds: 0.5))
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "the child was not killed at the deadline")
    }

    func testChildWritingPastTheOutputCapIsKilledWithoutBufferingIt() throws {
        let o = try sh("exec cat /dev/zero", maxOutput: 100_000)
        XCTAssertEqual(o.termination, .outputTooLarge(limit: 100_000))
        XCTAssertLessThanOrEqual(o.output.count, 100_000)
    }

    func testStderrIsCutAtItsCapWhileStdoutIsKept() throws {
        let o = try sh("head -c 50000 /dev/zero >&2; printf done", maxError: 1000)
        XCTAssertEqual(o.termination, .exited(0))
        XCTAssertEqual(o.errorOutput.count, 1000)
        XCTAssertEqual(String(decoding: o.output, as: UTF8.self), "done")
    }

    func testMissingExecutableIsAnErrorNamingIt() {
        XCTAssertThrowsError(try ChildProcess.run(executable: "/nonexistent/reader", arguments: [], timeoutSeconds: 5, maxOutputBytes: 10))
        {
            XCTAssertTrue(($0 as? LocalizedError)?.errorDescription?.hasPrefix("/nonexistent/reader: cannot start") ?? false, "\($0)")
        }
    }

    func testChildPipesAreNotInheritedByLaterChildren() throws {
        // A grandchild started while this child runs must not hold our pipe open: the parent would then wait for it.
        let start = Date()
        let o = try sh("(sleep 20 >/dev/null 2>&1 &) ; printf ok")
        XCTAssertEqual(o.termination, .exited(0))
        XCTAssertEqual(String(decoding: o.output, as: UTF8.self), "ok")
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }
}
