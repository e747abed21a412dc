import Foundation

/// Files that ship with the project (`Fixtures/mnist`, `Fixtures/seed/reported.json`), found wherever the
/// running program starts from.
///
/// Looked up, in order, under the working directory, the package root above the real executable (the
/// `/proc/self/exe` target with every symbolic link resolved, so a `weightbridge` symlinked onto `PATH` finds
/// its clone), and the package root the executable was compiled from (so a copy installed elsewhere still
/// finds the clone that built it while that clone exists). argv[0] is never used: a command found through
/// `PATH` has a bare name there.
public enum ProjectFiles {
    /// Directories that may hold the project's files, most specific first, without duplicates.
    public static var roots: [URL] {
        var roots = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        if let root = packageRoot(above: executableURL) { roots.append(root) }
        if let root = packageRoot(above: URL(fileURLWithPath: #filePath)) { roots.append(root) }
        var seen = Set<String>()
        return roots.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }
    }

    /// `relative` under each root.
    public static func candidates(_ relative: String) -> [URL] {
        roots.map { $0.appendingPathComponent(relative).standardizedFileURL }
    }

    /// The first existing candidate, or nil.
    public static func find(_ relative: String) -> URL? {
        candidates(relative).first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// The running executable with symbolic links resolved: `/proc/self/exe` on Linux, else the
    /// main bundle's executable.
    public static var executableURL: URL {
        let proc = URL(fileURLWithPath: "/proc/self/exe")
        if FileManager.default.fileExists(atPath: proc.path) { return proc.resolvingSymlinksInPath() }
        return (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
    }

    /// The nearest directory above `url` holding this package (`Package.swift` beside `Fixtures/`), at most
    /// eight levels up (`.build/x86_64-unknown-linux-gnu/release/weightbridge` is four).
    public static func packageRoot(above url: URL) -> URL? {
        var dir = url.deletingLastPathComponent()
        for _ in 0..<8 {
            let manifest = dir.appendingPathComponent("Package.swift").path
            let fixtures = dir.appendingPathComponent("Fixtures").path
            if FileManager.default.fileExists(atPath: manifest) && FileManager.default.fileExists(atPath: fixtures) { return dir }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        return nil
    }
}
