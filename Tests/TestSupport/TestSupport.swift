import Foundation
import XCTest

/// Paths to the repository's fixtures and to the shared, never-committed files.
public enum FixturePaths {
    /// The repository root (found from this source file's location).
    public static let repoRoot: URL = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()
    /// `Fixtures/` in the repository.
    public static let fixtures = repoRoot.appendingPathComponent("Fixtures")
    /// A file under `Fixtures/`.
    public static func fixture(_ relative: String) -> URL { fixtures.appendingPathComponent(relative) }
    /// `../shared` beside the repository (the user's seed files and the real-world corpus), or `$WEIGHTBRIDGE_SHARED`.
    public static let shared: URL = {
        if let env = ProcessInfo.processInfo.environment["WEIGHTBRIDGE_SHARED"] { return URL(fileURLWithPath: env) }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()
    /// A file under the shared folder; the test is skipped if it is absent.
    public static func sharedFile(_ relative: String) throws -> URL {
        let url = shared.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(url.path) is not present")
        }
        return url
    }
    /// The Python interpreter of the test venv (`$WEIGHTBRIDGE_PYTHON`). Interop tests skip without it
    /// locally; the README's test command always sets it, and in CI (`CI=true`) its absence fails.
    public static func python() throws -> String {
        if let p = ProcessInfo.processInfo.environment["WEIGHTBRIDGE_PYTHON"], !p.isEmpty { return p }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail("WEIGHTBRIDGE_PYTHON is not set in CI: interop tests cannot run")
        }
        throw XCTSkip("WEIGHTBRIDGE_PYTHON not set; run the tests through scripts/test.sh")
    }
}

/// A fresh temporary directory, removed when the object goes away.
public final class TemporaryDirectory {
    public let url: URL
    public init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("wb-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Result of running a subprocess.
public struct ProcessResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs an executable with arguments and returns its exit status and output.
@discardableResult
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    currentDirectory: URL? = nil
) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = environment }
    if let currentDirectory { p.currentDirectoryURL = currentDirectory }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read both pipes concurrently so a chatty child cannot deadlock on a full pipe.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errBox.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    p.waitUntilExit()
    return ProcessResult(
        status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs a Python snippet in the test venv and returns its stdout; fails the test on a non-zero exit.
public func runPython(_ code: String, args: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let python = try FixturePaths.python()
    let r = try runProcess(python, ["-c", code] + args)
    if r.status != 0 {
        XCTFail("python failed (\(r.status)): \(r.stderr)", file: file, line: line)
    }
    return r.stdout
}

/// Asserts that two arrays have the same length and differ elementwise by at most `tolerance`.
public func assertClose<T: BinaryFloatingPoint>(
    _ a: [T], _ b: [T], tolerance: T, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, "length differs \(message)", file: file, line: line)
    var worst: T = 0
    var worstIndex = -1
    for i in 0..<min(a.count, b.count) {
        let d = abs(a[i] - b[i])
        if d > worst || d.isNaN {
            worst = d
            worstIndex = i
        }
    }
    if worstIndex >= 0 && !(worst <= tolerance) {
        XCTFail(
            "max |a-b| = \(worst) at \(worstIndex) (\(a[worstIndex]) vs \(b[worstIndex])) > \(tolerance) \(message)", file: file, line: line
        )
    }
}

/// The built `weightbridge` executable (beside the test bundle in `.build/<config>/`).
public enum WeightBridgeBinary {
    public static var url: URL {
        var dir = Bundle.main.bundleURL
        if dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let u = candidate.appendingPathComponent("weightbridge")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return dir.appendingPathComponent("weightbridge")
    }

    /// Runs `weightbridge` with `arguments` from the repository root.
    @discardableResult
    public static func run(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(url.path, arguments, currentDirectory: FixturePaths.repoRoot)
    }

    /// Runs `weightbridge` with `arguments` under `/usr/bin/time -f %M`: its result and peak RSS in bytes (the
    /// `ru_maxrss` of the command, or of its isolated `.h5` reader when that peaked higher).
    public static func runMeasured(_ arguments: [String]) throws -> (ProcessResult, Int) {
        let timeOutput = TemporaryDirectory()
        let report = timeOutput.file("rss")
        let r = try runProcess("/usr/bin/time", ["-f", "%M", "-o", report.path, url.path] + arguments)
        let text = try String(contentsOf: report, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let kilobytes = try XCTUnwrap(Int(text.split(separator: "\n").last ?? ""), "time(1) wrote '\(text)'")
        return (r, kilobytes * 1024)
    }
}

/// Asserts a failed command printed exactly one line, `weightbridge: ...`, naming `mentioning`,
/// with no crash or stack trace, and exited with `status`.
public func assertOneLineError(
    _ r: ProcessResult, status: Int32 = 2, mentioning: String, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(r.status, status, "exit status; stderr: \(r.stderr)", file: file, line: line)
    let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
    XCTAssertEqual(lines.count, 1, "expected one line on stderr, got: \(r.stderr)", file: file, line: line)
    XCTAssertTrue(r.stderr.hasPrefix("weightbridge: "), "stderr: \(r.stderr)", file: file, line: line)
    XCTAssertTrue(r.stderr.contains(mentioning), "stderr should mention \(mentioning): \(r.stderr)", file: file, line: line)
    XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Stack dump"), file: file, line: line)
}
