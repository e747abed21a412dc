import Foundation
import SafeIO

/// What a file holds, decided by its content first and its extension only when the content says nothing.
///
/// The one place WeightBridge decides a file's kind (the CLI and `ModelFile` ask it). It lives in
/// NumPyFormat because that is the lowest target that reads ZIP directories, which telling a Keras 3
/// archive from an `.npz` needs. Magic bytes: `\x93NUMPY` is `.npy`; `PK\x03\x04` (or an empty ZIP's
/// `PK\x05\x06`) is a ZIP, a `.keras` archive when its directory holds `config.json`, `metadata.json` or
/// `model.weights.h5`/`.npz` and an `.npz` otherwise; `\x89HDF\r\n\x1a\n` at offset 0, 512, 1024, 2048, ... (HDF5 allows a user block before its
/// superblock) is HDF5; an 8-byte little-endian length below 100,000,000 that fits the file, followed by `{`,
/// is `.safetensors`. Reads at most a few kilobytes plus a ZIP's central directory.
public enum FileKind: String, Sendable, CaseIterable {
    case npy
    case npz
    /// A Keras 3 `.keras` archive (a ZIP holding `config.json`).
    case kerasArchive
    /// Any HDF5 file: a Keras `.h5` model or weights file, or another HDF5 file.
    case hdf5
    case safetensors
    /// A Keras architecture in JSON (`model.to_json()`).
    case json
    /// A Keras architecture in YAML (`model.to_yaml()`).
    case yaml

    /// The name users know the format by, for messages (`"a Keras 3 .keras archive"`).
    public var description: String {
        switch self {
        case .npy: return "a NumPy .npy file"
        case .npz: return "a NumPy .npz archive"
        case .kerasArchive: return "a Keras 3 .keras archive"
        case .hdf5: return "an HDF5 (.h5) file"
        case .safetensors: return "a .safetensors file"
        case .json: return "a JSON file"
        case .yaml: return "a YAML file"
        }
    }

    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The kind of the existing file `url` by content, else by extension (`.npy`, `.npz`, `.keras`,
    /// `.h5`/`.hdf5`/`.keras5`, `.safetensors`, `.json`, `.yaml`/`.yml`); nil when neither says.
    /// Throws only when the file cannot be opened.
    public static func detect(_ url: URL) throws -> FileKind? {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: 0)
        let head = [UInt8](try handle.read(upToCount: 16) ?? Data())
        if let kind = try byContent(head, size: size, url: url, handle: handle) { return kind }
        return byExtension(url)
    }

    /// The kind an output path names by its extension (the file need not exist).
    public static func byExtension(_ url: URL) -> FileKind? {
        switch url.pathExtension.lowercased() {
        case "npy": return .npy
        case "npz": return .npz
        case "keras": return .kerasArchive
        case "h5", "hdf5", "keras5": return .hdf5
        case "safetensors": return .safetensors
        case "json": return .json
        case "yaml", "yml": return .yaml
        default: return nil
        }
    }

    private static func byContent(_ head: [UInt8], size: UInt64, url: URL, handle: FileHandle) throws -> FileKind? {
        if head.starts(with: [0x93] + Array("NUMPY".utf8)) { return .npy }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return zipHoldsKerasConfig(url) ? .kerasArchive : .npz
        }
        if head.starts(with: hdf5Signature) { return .hdf5 }
        // HDF5 user blocks: the superblock may sit at 512, 1024, 2048, ... (bounded scan).
        var offset: UInt64 = 512
        while offset + 8 <= size && offset <= 1 << 30 {
            try handle.seek(toOffset: offset)
            if [UInt8](try handle.read(upToCount: 8) ?? Data()) == hdf5Signature { return .hdf5 }
            offset *= 2
        }
        if head.count >= 9 {
            let length = head.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if length >= 2, length <= 100_000_000, length <= size - 8, head[8] == UInt8(ascii: "{") { return .safetensors }
        }
        return nil
    }

    /// Whether the ZIP's central directory names one of the members only a Keras 3 archive has at the top level
    /// (`config.json`, `metadata.json`, `model.weights.h5`/`.npz`), so that an archive missing one is reported as
    /// a broken `.keras`, not as an `.npz`. An unreadable directory counts as "no": the `.npz` reader then says
    /// what is wrong with it.
    private static func zipHoldsKerasConfig(_ url: URL) -> Bool {
        guard let file = try? ArchiveFile(url: url), let (records, _) = try? ZIPDirectory.read(file, maxMembers: 1 << 16) else {
            return false
        }
        let kerasMembers = ["config.json", "metadata.json", "model.weights.h5", "model.weights.npz"].map { Array($0.utf8) }
        return records.contains { kerasMembers.contains($0.nameBytes) }
    }
}

/// A file of one kind where another was needed.
public enum FileKindError: WeightBridgeError, Equatable {
    /// `found` is what the content says the file is; `expected` what the operation reads.
    case wrongKind(file: String, found: FileKind?, expected: String)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .wrongKind(let file, let found, let expected):
            (file, "is \(found?.description ?? "not a format WeightBridge recognises"); expected \(expected) here")
        }
    }
}
