import Foundation
import HDF5
import NumPyFormat
import SafeIO

/// Writing `.keras` archives that `keras.saving.load_model` (Keras 3) opens.
extension KerasArchive {
    /// `metadata.json` as Keras writes it: `{"keras_version": ..., "date_saved": "%Y-%m-%d@%H:%M:%S"}`.
    public static func metadataJSON(kerasVersion: String, date: Date = Date()) -> Data {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
        func quoted(_ s: String) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .withoutEscapingSlashes
            return (try? encoder.encode(s)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        }
        // Keras' key order (json.dumps of a dict literal), spelled out: JSONSerialization does not keep order.
        return Data("{\"keras_version\": \(quoted(kerasVersion)), \"date_saved\": \(quoted(formatter.string(from: date)))}".utf8)
    }

    /// Writes a `.keras` archive at `url`: members `metadata.json`, `config.json`, `model.weights.h5`, in that order,
    /// stored (as Keras writes them). `weights` becomes `model.weights.h5`: every group of `weights.groups` (with its
    /// `name` attribute) and every entry as a float32 dataset, parents created as needed.
    ///
    /// `configJSON` must be a JSON object and `metadataJSON` too (see `metadataJSON(kerasVersion:date:)`); throws
    /// `KerasArchiveError.invalidMember` otherwise. Atomic: a temporary file in the target's directory, fsynced, then
    /// renamed; `SafeIOError.exists` when the file exists and `overwrite` is false.
    public static func write(configJSON: Data, metadataJSON: Data, weights: KerasWeightTree, to url: URL, overwrite: Bool = true) throws {
        for (member, data) in [(configMember, configJSON), (metadataMember, metadataJSON)] {
            guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                throw KerasArchiveError.invalidMember(file: url.path, member: member, reason: "not a JSON object")
            }
        }
        try AtomicFile.write(to: url, overwrite: overwrite) { tmp in
            let h5 = tmp.deletingLastPathComponent().appendingPathComponent(tmp.lastPathComponent + ".weights.h5")
            defer { try? FileManager.default.removeItem(at: h5) }
            try writeWeights(weights, to: h5)
            let h5Data = try Data(contentsOf: h5)
            do {
                // NumPyFormat's one-pass ZIP writer, the same that writes .npz archives.
                let writer = try ZIPWriter(url: tmp, target: url.path)
                defer { writer.close() }
                for (name, data) in [(metadataMember, metadataJSON), (configMember, configJSON), (weightsMember, h5Data)] {
                    try writer.add(name: name, bytes: data, deflate: false)
                }
                try writer.finish()
            } catch {
                throw SafeIOError.writeFailed(file: url.path, reason: AtomicFile.describe(error))
            }
            // As NPZWriter does: read the directory back before the rename.
            guard let written = try? NPZArchiveProbe.memberCount(tmp), written == 3 else {
                throw SafeIOError.writeFailed(file: url.path, reason: "the archive is incomplete after writing (disk full?)")
            }
        }
    }

    /// Writes `tree` as an HDF5 file in Keras 3's layout.
    static func writeWeights(_ tree: KerasWeightTree, to url: URL) throws {
        let file = try HDF5File.create(url)
        var groups: [String: HDF5Group] = ["": file.root]
        func group(_ path: String) throws -> HDF5Group {
            if let g = groups[path] { return g }
            let parts = path.split(separator: "/")
            let parent = try group(parts.dropLast().joined(separator: "/"))
            let g = try parent.createGroup(String(parts.last!))
            groups[path] = g
            return g
        }
        func parentPath(_ path: String) -> String { path.split(separator: "/").dropLast().joined(separator: "/") }
        for g in tree.groups {
            let created = try group(g.path)
            if let name = g.name { try created.setStringAttribute("name", name) }
        }
        for e in tree.entries {
            try group(parentPath(e.path)).createDataset(String(e.path.split(separator: "/").last!), shape: e.shape, values: e.values)
        }
        try file.close()
    }
}

/// Counts a written archive's members with NumPyFormat's reader (the same check `NPZWriter` makes).
enum NPZArchiveProbe {
    static func memberCount(_ url: URL) throws -> Int {
        try NPZArchive(url: url, limits: ResourceLimits(maxTotalBytes: .max, maxMembers: .max)).memberPaths.count
    }
}
