import Foundation
import SafeIO

// One-call reading and writing of arrays, as numpy's `np.load`/`np.savez` and mlx-swift's `loadArrays(url:)`/
// `save(arrays:url:)`. They are thin layers over `NPYFile`, `NPZArchive` and `NPZWriter`, whose checks and limits
// apply unchanged; use those types directly to read members lazily or in pieces.

/// The arrays of an `.npz` archive by member name, or of a `.npy` file as one array named after the file
/// (`weights.npy` gives `["weights": ...]`). The kind is decided by `FileKind.detect(_:)` (content first).
///
/// Reads every member whole. Throws `NPYError`/`NPZError` for malformed or over-limit files, naming the file.
public func loadArrays(url: URL, limits: ResourceLimits = .default) throws -> [String: NPYArray] {
    if try FileKind.detect(url) == .npy {
        return [url.deletingPathExtension().lastPathComponent: try NPYFile.read(url, limits: limits)]
    }
    return try NPZArchive(url: url, limits: limits).arrays()
}

/// The arrays of an `.npz` archive (or a `.npy` file, as one array named `source`'s stem) held in memory;
/// `source` names the bytes in errors.
public func loadArrays(data: Data, source: String = "<memory>.npz", limits: ResourceLimits = .default) throws -> [String: NPYArray] {
    if data.starts(with: NPYFormat.magic) {
        let stem = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        return [stem: try NPYFile.decode(data, source: source, limits: limits)]
    }
    return try NPZArchive(data: data, source: source, limits: limits).arrays()
}

/// The array of a `.npy` file (`np.load` of a `.npy`). Throws `NPYError` for a malformed or over-limit file.
public func loadArray(url: URL, limits: ResourceLimits = .default) throws -> NPYArray {
    try NPYFile.read(url, limits: limits)
}

/// Writes `arrays` as an `.npz` archive that `np.load` reads (`np.savez`, or `np.savez_compressed` with
/// `compressed`), one member per name in sorted name order so the same arrays always give the same bytes. Use
/// `NPZWriter.write(_:to:compressed:overwrite:)` for another order. Atomic: the previous file stays on error.
/// Throws `NPZError.invalidMemberName` for empty, absolute or `..` names, `SafeIOError` when it cannot write.
public func save(arrays: [String: NPYArray], url: URL, compressed: Bool = false) throws {
    try NPZWriter.write(arrays.sorted { $0.key < $1.key }.map { (name: $0.key, array: $0.value) }, to: url, compressed: compressed)
}

/// Writes `array` as a `.npy` file (`np.save`), atomically.
public func save(array: NPYArray, url: URL) throws {
    try NPYFile.write(array, to: url)
}
