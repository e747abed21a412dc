import Foundation
import SafeIO

/// Where MNIST is found when the caller names no directory: the project's `Fixtures/mnist` (under the working
/// directory, the clone the real executable sits in, or the clone this module was compiled from: `ProjectFiles`),
/// then the download cache (`$WEIGHTBRIDGE_CACHE/mnist`, else `~/.cache/weightbridge/mnist`).
///
/// A directory counts only when it holds all four IDX files (`MNISTDataset.filesPresent`); nothing is read or
/// downloaded here. `cache` is also where a download belongs (`MNISTDownloader(cacheDirectory:)`).
public struct MNISTLocator: Sendable {
    /// The directories searched, most specific first; the last is `cache`.
    public var directories: [URL]
    /// The download cache.
    public var cache: URL

    /// Searches `fixtures` (default: `Fixtures/mnist` under every project root), then `cache`.
    public init(
        fixtures: [URL] = ProjectFiles.candidates("Fixtures/mnist"), cache: URL = MNISTDownloader.defaultCacheDirectory
    ) {
        self.directories = fixtures + [cache]
        self.cache = cache
    }

    /// The first directory that holds the four MNIST files, or nil (then `directories` says where it looked).
    public func find() -> URL? {
        directories.first { MNISTDataset.filesPresent(in: $0) }
    }
}
