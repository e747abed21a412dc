import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The size of the file a path names, following symbolic links.
///
/// Size checks must use this rather than `FileManager.attributesOfItem`, which describes a symbolic link itself
/// (its target path's length) instead of the file it points to: model caches (Hugging Face, DVC, git-annex,
/// Bazel) hand out symlinks, and a link's few bytes made a whole `.h5` look truncated.
public enum FileSize {
    /// The size in bytes of the file at `path` after following every symbolic link, or nil when it cannot be
    /// found (missing file, dangling link, no permission).
    public static func of(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(clamping: info.st_size)
    }

    /// The size in bytes of the file at `url` after following every symbolic link, or nil when it cannot be found.
    public static func of(_ url: URL) -> UInt64? { of(url.path) }
}
