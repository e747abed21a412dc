import Foundation

/// Dictionary-style access, as numpy's `np.load(...)` gives for an `.npz`: `archive["W1"]`, `archive.keys`,
/// `for name in archive.keys`. Each member is read when asked for, with every check of `array(_:)`.
///
/// The archive is not a `Sequence`: reading a member can throw, which an iterator cannot; iterate `keys`, or
/// take `arrays()` to read them all at once.
extension NPZArchive {
    /// Member names in archive order (numpy's `NpzFile.files`); the same as `names`.
    public var keys: [String] { names }

    /// The number of members.
    public var count: Int { members.count }

    /// True when the archive has a member `name` (with or without its `.npy` suffix).
    public func contains(_ name: String) -> Bool { (try? lookup(name)) != nil }

    /// Member `name` read whole, or nil when the archive has no such member. Throws what `array(_:)` throws for
    /// a member that exists but cannot be read (limits, corrupt data, CRC mismatch).
    public subscript(name: String) -> NPYArray? {
        get throws { contains(name) ? try array(name) : nil }
    }

    /// Every member read whole, by name: numpy's `dict(np.load(path))`. Reads all members (memory is the sum of
    /// their sizes); use `array(_:)` or `forEachPiece(of:_:)` to hold one at a time.
    public func arrays() throws -> [String: NPYArray] {
        var out: [String: NPYArray] = [:]
        out.reserveCapacity(members.count)
        for name in names { out[name] = try array(name) }
        return out
    }
}
