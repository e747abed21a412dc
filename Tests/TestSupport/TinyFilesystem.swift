import Foundation
import XCTest

/// A tmpfs of a few kilobytes mounted on a fresh directory for the life of the object, to make
/// "disk full" and "read-only filesystem" real rather than simulated. Needs root and permission to
/// mount (a privileged container or a VM); the test is skipped otherwise.
public final class TinyFilesystem {
    public let url: URL

    public init(kilobytes: Int, readOnly: Bool = false) throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root") }
        url = FileManager.default.temporaryDirectory.appendingPathComponent("wb-tmpfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let options = "size=\(kilobytes)k" + (readOnly ? ",ro" : "")
        let r = try runProcess("/usr/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", url.path])
        guard r.status == 0 else {
            try? FileManager.default.removeItem(at: url)
            throw XCTSkip("mount -t tmpfs is not permitted here: \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Names in the filesystem's root directory, sorted.
    public func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }

    deinit {
        _ = try? runProcess("/usr/bin/umount", [url.path])
        try? FileManager.default.removeItem(at: url)
    }
}
