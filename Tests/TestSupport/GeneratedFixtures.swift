import Foundation
import XCTest

/// Large fixtures made by a committed script in `Fixtures/generate/` at test time and cached, never committed:
/// `~/.cache/weightbridge/generated/<script>-<hash of the script>/` (or under `$WEIGHTBRIDGE_FIXTURE_CACHE`). The
/// first test that asks runs the script with the test venv's Python; later runs reuse the files until the script
/// changes.
public enum GeneratedFixtures {
    /// The directory holding `script`'s output, generating it first if needed.
    public static func directory(script: String) throws -> URL {
        let python = try FixturePaths.python()
        let scriptURL = FixturePaths.fixture("generate/\(script)")
        let contents = try Data(contentsOf: scriptURL)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: a cache key, not a security measure
        for byte in contents { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let environment = ProcessInfo.processInfo.environment
        let root =
            environment["WEIGHTBRIDGE_FIXTURE_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/weightbridge/generated")
        let name = (script as NSString).deletingPathExtension
        let target = root.appendingPathComponent("\(name)-\(String(hash, radix: 16))")
        if FileManager.default.fileExists(atPath: target.appendingPathComponent("manifest.json").path) { return target }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let staging = root.appendingPathComponent("\(name).partial-\(getpid())")
        try? FileManager.default.removeItem(at: staging)
        let result = try runProcess(python, [scriptURL.path, staging.path])
        guard result.status == 0 else {
            try? FileManager.default.removeItem(at: staging)
            XCTFail("\(script) failed (\(result.status)): \(result.stderr.suffix(2000))")
            throw XCTSkip("generated fixtures unavailable")
        }
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.moveItem(at: staging, to: target)
        return target
    }
}
