import Dispatch
import Foundation
import SafeIO

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Fetches the four MNIST files into a cache directory when they are missing, trying mirrors in order.
///
/// A file is accepted only if it is a well-formed IDX file (see `IDXFile`) whose decompressed bytes
/// have the expected SHA-256; it is written atomically (`SafeIO.AtomicFile`), so the cache never holds
/// a partial or unverified file. Files already in the cache are verified the same way and fetched
/// again if they fail. Blocking: call it off the main thread in an app.
public struct MNISTDownloader: Sendable {
    /// The usual public mirrors of the original gzip files.
    public static let defaultMirrors: [URL] = [
        URL(string: "https://storage.googleapis.com/cvdf-datasets/mnist/")!,
        URL(string: "https://ossci-datasets.s3.amazonaws.com/mnist/")!,
    ]

    /// SHA-256 of the decompressed bytes of each MNIST file, by file name.
    public static let mnistChecksums: [String: String] = [
        "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ]

    /// `$WEIGHTBRIDGE_CACHE/mnist` if the variable is set, else `~/.cache/weightbridge/mnist`.
    public static var defaultCacheDirectory: URL {
        if let root = ProcessInfo.processInfo.environment["WEIGHTBRIDGE_CACHE"], !root.isEmpty {
            return URL(fileURLWithPath: root).appendingPathComponent("mnist")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/weightbridge/mnist")
    }

    /// Base URLs tried in order; a file's URL is the base plus its name.
    public let mirrors: [URL]
    /// Where the files are kept.
    public let cacheDirectory: URL
    /// Expected SHA-256 (lowercase hex) of each file's decompressed bytes, by file name; these are the files fetched.
    public let checksums: [String: String]
    /// Largest download accepted per file, in bytes (MNIST's largest is under 10 MB).
    public var maxDownloadBytes: Int64 = 64 << 20
    /// Seconds without data before a request is abandoned.
    public var timeout: TimeInterval = 60

    /// Makes a downloader; nothing is fetched until `ensureFiles`.
    public init(
        mirrors: [URL] = MNISTDownloader.defaultMirrors, cacheDirectory: URL = MNISTDownloader.defaultCacheDirectory,
        checksums: [String: String] = MNISTDownloader.mnistChecksums
    ) {
        self.mirrors = mirrors
        self.cacheDirectory = cacheDirectory
        self.checksums = checksums
    }

    /// Makes sure every file of `checksums` is in the cache and verified, downloading those that are not;
    /// returns the cache directory. `progress(file, bytesSoFar, totalIfKnown)` is called as bytes arrive.
    /// Throws `MNISTError.downloadFailed` (with each mirror's reason) if no mirror gives a valid file.
    public func ensureFiles(progress: (String, Int64, Int64?) -> Void = { _, _, _ in }) throws -> URL {
        try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        for name in checksums.keys.sorted() {
            let expected = checksums[name]!.lowercased()
            let target = cacheDirectory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: target.path), (try? verify(target, name: name, expected: expected)) != nil {
                continue
            }
            var reasons: [String] = []
            var done = false
            for mirror in mirrors where !done {
                let url = mirror.appendingPathComponent(name)
                do {
                    let data = try fetch(url) { got, total in progress(name, got, total) }
                    try AtomicFile.write(to: target, overwrite: true) { temporary in
                        try data.write(to: temporary)
                        try verify(temporary, name: name, expected: expected)
                    }
                    done = true
                } catch {
                    reasons.append("\(url.absoluteString): \(error.localizedDescription)")
                }
            }
            if !done { throw MNISTError.downloadFailed(file: name, reasons: reasons) }
        }
        return cacheDirectory
    }

    /// Checks that `url` is an IDX file of the kind its name says (`idx3` images, `idx1` labels) whose
    /// decompressed bytes hash to `expected`.
    private func verify(_ url: URL, name: String, expected: String) throws {
        let kind: IDXFile.Kind = name.contains("idx3") ? .images : .labels
        let file = try IDXFile.read(url, kind: kind)
        guard file.sha256 == expected else {
            throw MNISTError.checksumMismatch(file: name, found: file.sha256, expected: expected)
        }
    }

    /// Downloads `url` into memory, refusing HTTP errors and bodies over `maxDownloadBytes`.
    /// Progress is reported on the calling thread, polled while the transfer runs and once at the end.
    private func fetch(_ url: URL, progress: (Int64, Int64?) -> Void) throws -> Data {
        let delegate = FetchDelegate(limit: maxDownloadBytes)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: url).resume()
        var reported: Int64 = -1
        func report() {
            let (received, expected) = delegate.progress()
            if received != reported && received > 0 {
                reported = received
                progress(received, expected)
            }
        }
        while delegate.finished.wait(timeout: .now() + .milliseconds(100)) == .timedOut { report() }
        report()
        return try delegate.result()
    }
}

/// Collects one response body; signals `finished` when the task ends. Its state is guarded by a lock
/// because URLSession calls it on its own queue while the caller polls `progress()`.
private final class FetchDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let finished = DispatchSemaphore(value: 0)
    private let limit: Int64
    private let lock = NSLock()
    private var body = Data()
    private var expected: Int64?
    private var failure: String?

    init(limit: Int64) {
        self.limit = limit
    }

    /// Bytes received so far and the announced total, if any.
    func progress() -> (Int64, Int64?) {
        lock.lock()
        defer { lock.unlock() }
        return (Int64(body.count), expected)
    }

    func result() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw FetchError(message: failure) }
        if let expected, Int64(body.count) != expected {
            throw FetchError(message: "received \(body.count) bytes, the server announced \(expected)")
        }
        return body
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 200
        lock.lock()
        var disposition = URLSession.ResponseDisposition.allow
        if status != 200 {
            failure = "HTTP status \(status)"
            disposition = .cancel
        } else if response.expectedContentLength > limit {
            failure = "the server announces " + ResourceLimits.overLimit(response.expectedContentLength, limit: limit, unit: "bytes")
            disposition = .cancel
        } else {
            expected = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        }
        lock.unlock()
        completionHandler(disposition)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        guard failure == nil else { return lock.unlock() }
        body.append(data)
        let over = Int64(body.count) > limit
        if over { failure = "more than \(limit) bytes" }
        lock.unlock()
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        if failure == nil, let error { failure = error.localizedDescription }
        lock.unlock()
        finished.signal()
    }
}

/// A failure of one mirror, carried into `MNISTError.downloadFailed`'s reasons.
private struct FetchError: Error, LocalizedError {
    let message: String
    var errorDescription: String? { message }
}
