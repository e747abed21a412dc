import Foundation
import XCTest

/// Peak memory of whole `weightbridge` processes, for the tests that bound it (issue 15).
public enum PeakMemory {
    /// Runs the built binary with `arguments` under `/usr/bin/time -f %M`; its result and peak RSS in bytes (the
    /// child's `ru_maxrss`: the larger of the command and any child it waited for, such as the isolated `.h5` reader).
    public static func run(_ arguments: [String]) throws -> (ProcessResult, Int) {
        let timeOutput = TemporaryDirectory()
        let report = timeOutput.file("rss")
        let r = try runProcess("/usr/bin/time", ["-f", "%M", "-o", report.path, WeightBridgeBinary.url.path] + arguments)
        let text = try String(contentsOf: report, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let kilobytes = try XCTUnwrap(Int(text.split(separator: "\n").last ?? ""), "time(1) wrote '\(text)'")
        return (r, kilobytes * 1024)
    }
}
