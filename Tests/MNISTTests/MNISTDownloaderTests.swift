import Foundation
import MNIST
import TestSupport
import XCTest

/// Downloads from a Python HTTP server on 127.0.0.1 only; no other network.
final class MNISTDownloaderTests: XCTestCase {
    /// `python3 http.server` serving `directory` on a free loopback port, stopped on deinit.
    final class LoopbackServer {
        let process = Process()
        let baseURL: URL
        /// The server exits when this pipe closes, so it cannot outlive a crashed test run.
        private let lifeline = Pipe()

        init(serving directory: URL) throws {
            // Port 0 lets the OS pick a free port; the server prints the one it got.
            let script = """
                import functools, http.server, os, sys, threading
                threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
                handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
                server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
                print(server.server_address[1], flush=True)
                server.serve_forever()
                """
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, directory.path]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            process.standardInput = lifeline
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
                process.terminate()
                throw XCTSkip("could not start python3 http.server")
            }
            baseURL = URL(string: "http://127.0.0.1:\(port)/")!
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// A small valid IDX labels file, gzip-compressed with the system gzip; returns its decompressed SHA-256.
    private func writeFakeLabels(_ labels: [UInt8], named name: String, in dir: URL) throws -> String {
        let count = UInt32(labels.count)
        let bytes: [UInt8] =
            [0, 0, 8, 1, UInt8(count >> 24), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)] + labels
        let plain = dir.appendingPathComponent(String(name.dropLast(3)))
        try Data(bytes).write(to: plain)
        let result = try runProcess("/usr/bin/env", ["gzip", "-n", "-f", plain.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return MNISTChecksum.sha256(bytes)
    }

    private func contents(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    func testDownloadsAllFourFilesFromLoopbackAndVerifiesThem() throws {
        let server = try LoopbackServer(serving: FixturePaths.fixture("mnist"))
        let cache = TemporaryDirectory()
        let target = cache.url.appendingPathComponent("nested/mnist")
        var reports: [String: (Int64, Int64?)] = [:]
        let downloader = MNISTDownloader(mirrors: [server.baseURL], cacheDirectory: target, checksums: MNISTDownloader.mnistChecksums)
        let directory = try downloader.ensureFiles { name, got, total in reports[name] = (got, total) }
        XCTAssertEqual(directory, target)
        XCTAssertEqual(contents(target), MNISTDataset.fileNames.sorted())
        for name in MNISTDataset.fileNames {
            let size = try FileManager.default.attributesOfItem(atPath: FixturePaths.fixture("mnist/\(name)").path)[.size] as! NSNumber
            XCTAssertEqual(reports[name]?.0, size.int64Value, name)
            XCTAssertEqual(reports[name]?.1, size.int64Value, name)
        }
        let dataset = try MNISTDataset.load(directory: directory)
        XCTAssertEqual(Array(dataset.test.labels.prefix(5)), [7, 2, 1, 0, 4])
        // A second call finds verified files and fetches nothing.
        reports = [:]
        _ = try downloader.ensureFiles { name, got, total in reports[name] = (got, total) }
        XCTAssertTrue(reports.isEmpty)
    }

    func testFallsBackToTheNextMirrorWhenOneFails() throws {
        let served = TemporaryDirectory()
        let name = "t10k-labels-idx1-ubyte.gz"
        let sha = try writeFakeLabels([3, 1, 4, 1, 5], named: name, in: served.url)
        let server = try LoopbackServer(serving: served.url)
        let cache = TemporaryDirectory()
        let missing = server.baseURL.appendingPathComponent("no-such-mirror/")
        let downloader = MNISTDownloader(mirrors: [missing, server.baseURL], cacheDirectory: cache.url, checksums: [name: sha])
        _ = try downloader.ensureFiles { _, _, _ in }
        XCTAssertEqual(contents(cache.url), [name])
    }

    func testRefusesFileWithWrongChecksumAndLeavesNothingInCache() throws {
        let served = TemporaryDirectory()
        let name = "train-labels-idx1-ubyte.gz"
        let sha = try writeFakeLabels([1, 2, 3], named: name, in: served.url)
        // Serve a different (corrupted) file under the same name.
        _ = try writeFakeLabels([1, 2, 4], named: name, in: served.url)
        let server = try LoopbackServer(serving: served.url)
        let cache = TemporaryDirectory()
        let downloader = MNISTDownloader(mirrors: [server.baseURL], cacheDirectory: cache.url, checksums: [name: sha])
        XCTAssertThrowsError(try downloader.ensureFiles { _, _, _ in }) { error in
            guard case .downloadFailed(let file, let reasons)? = error as? MNISTError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, name)
            XCTAssertEqual(reasons.count, 1)
            XCTAssertTrue(reasons[0].contains("SHA-256 of the decompressed bytes"), reasons[0])
            XCTAssertTrue(reasons[0].contains(sha), reasons[0])
        }
        XCTAssertEqual(contents(cache.url), [])
    }

    func testReportsHTTPErrorsOfEveryMirror() throws {
        let served = TemporaryDirectory()
        let server = try LoopbackServer(serving: served.url)
        let cache = TemporaryDirectory()
        let name = "t10k-labels-idx1-ubyte.gz"
        let downloader = MNISTDownloader(
            mirrors: [server.baseURL, server.baseURL.appendingPathComponent("b/")], cacheDirectory: cache.url,
            checksums: [name: String(repeating: "0", count: 64)])
        XCTAssertThrowsError(try downloader.ensureFiles { _, _, _ in }) { error in
            guard case .downloadFailed(_, let reasons)? = error as? MNISTError else { return XCTFail("\(error)") }
            XCTAssertEqual(reasons.count, 2)
            XCTAssertTrue(reasons.allSatisfy { $0.contains("HTTP status 404") }, "\(reasons)")
        }
        XCTAssertEqual(contents(cache.url), [])
    }
}
