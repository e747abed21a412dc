import Foundation
import NumPyFormat
import SafeIO

/// A Keras 3 `.keras` archive read at the format level: the ZIP's members, `metadata.json`, the raw
/// `config.json` and the weights tree of `model.weights.h5`.
///
/// The ZIP is read by NumPyFormat's hardened reader (`NPZArchive`: bombs, `..` and absolute names, overlapping
/// members, encryption, member and total limits, CRC-32), stored and deflated members alike. `config.json` and
/// `metadata.json` must declare at most `limits.maxConfigBytes` before they are inflated; `config.json` is then
/// parsed by `KerasModelConfig.parse`, whose layer checks refuse `Lambda` layers and layers naming a non-Keras
/// `module` or a custom `registered_name` (as Keras' `safe_mode` does) before anything else; a configuration
/// that is safe but names layers WeightBridge cannot build is kept raw (`configIssue` says why).
/// `model.weights.h5` is copied to a private temporary file (removed after reading) and read as a
/// `KerasWeightTree`, by libhdf5 in a child process when `isolation` says so. `model.weights.npz` (Keras' pickled
/// dictionaries) is refused by name; `assets/` is ignored.
public struct KerasArchive: Sendable {
    /// Member paths in archive order (directory entries left out).
    public var memberPaths: [String]
    /// `keras_version` from `metadata.json`, when present.
    public var kerasVersion: String?
    /// `metadata.json` as stored.
    public var metadataJSON: Data
    /// `config.json` as stored.
    public var configJSON: Data
    /// The architecture, when WeightBridge's configuration parser accepts it.
    public var modelConfig: KerasModelConfig?
    /// Why `modelConfig` is nil (an unsupported layer, ...), or nil.
    public var configIssue: String?
    /// The weights, by path.
    public var weights: KerasWeightTree

    /// Member names as Keras writes them (`keras/src/saving/saving_lib.py`).
    public static let metadataMember = "metadata.json"
    public static let configMember = "config.json"
    public static let weightsMember = "model.weights.h5"
    public static let npzWeightsMember = "model.weights.npz"

    public init(
        memberPaths: [String], kerasVersion: String?, metadataJSON: Data, configJSON: Data, modelConfig: KerasModelConfig?,
        configIssue: String?, weights: KerasWeightTree
    ) {
        self.memberPaths = memberPaths
        self.kerasVersion = kerasVersion
        self.metadataJSON = metadataJSON
        self.configJSON = configJSON
        self.modelConfig = modelConfig
        self.configIssue = configIssue
        self.weights = weights
    }

    /// The layers `config.json` lists at the top level, as (name, class name), read from the raw JSON without
    /// interpreting anything (for listings even when `modelConfig` is nil).
    public var layerSummaries: [(name: String, className: String)] {
        guard let root = try? JSONSerialization.jsonObject(with: configJSON) as? [String: Any],
            let config = root["config"] as? [String: Any], let layers = config["layers"] as? [[String: Any]]
        else { return [] }
        return layers.map { layer in
            ((layer["config"] as? [String: Any])?["name"] as? String ?? "?", layer["class_name"] as? String ?? "?")
        }
    }

    /// The model class `config.json` names (`Sequential`, `Functional`, ...), or nil.
    public var modelClassName: String? {
        (try? JSONSerialization.jsonObject(with: configJSON) as? [String: Any])?["class_name"] as? String
    }

    /// Reads `url`. Throws `NPZError` for ZIP-level refusals, `KerasArchiveError` for missing or invalid members,
    /// `KerasFormatError` for configurations that would run code, and the HDF5/Keras errors of the weights file.
    public static func read(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> KerasArchive
    {
        try withWeightStream(url, limits: limits, isolation: isolation) { archive, stream in
            guard case .tree(var entries, let groups) = stream.contents else { return archive }
            for i in entries.indices { entries[i].values = try stream.nextWeight() }
            try stream.finish()
            var whole = archive
            whole.weights = try KerasWeightTree(entries: entries, groups: groups)
            return whole
        }
    }

    /// Reads `url` as `read` does, but hands the weights to `body` one at a time: `body` gets the archive with an empty
    /// `weights` tree and the stream of `model.weights.h5` (see `openWeightStream`).
    public static func withWeightStream<T>(
        _ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess,
        _ body: (KerasArchive, KerasWeightStream) throws -> T
    ) throws -> T {
        let (archive, stream) = try openWeightStream(url, limits: limits, isolation: isolation)
        return try body(archive, stream)
    }

    /// Opens `url` as `read` does, checking everything but the weights' values: the archive with an empty `weights`
    /// tree, and the stream of `model.weights.h5` (`contents` is `.tree`, listing every entry) that gives the
    /// weights one at a time. The temporary copy of the weights file is removed as soon as the reader has opened it
    /// (the open file stays readable). Errors of the stream name the archive's member, as `read`'s do; call
    /// `stream.finish()` after the last weight.
    public static func openWeightStream(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess)
        throws -> (KerasArchive, KerasWeightStream)
    {
        let zip = try NPZArchive(url: url, limits: limits)
        let paths = zip.memberPaths
        func member(_ name: String) throws -> Data {
            guard paths.contains(name) else { throw KerasArchiveError.missingMember(file: url.path, member: name, found: paths) }
            return try zip.memberData(name, maxBytes: UInt64(max(0, limits.maxConfigBytes)))
        }
        let configJSON = try member(configMember)
        let metadataJSON = try member(metadataMember)
        guard let metadata = try? JSONSerialization.jsonObject(with: metadataJSON) as? [String: Any] else {
            throw KerasArchiveError.invalidMember(file: url.path, member: metadataMember, reason: "not a JSON object")
        }
        var modelConfig: KerasModelConfig?
        var configIssue: String?
        do {
            modelConfig = try KerasModelConfig.parse(
                json: configJSON, source: "\(url.path):\(configMember)", limits: limits, kerasVersion: metadata["keras_version"] as? String)
        } catch let error as KerasFormatError {
            switch error {
            case .lambdaLayer, .invalidConfig: throw error
            case .unsupportedSetting(_, _, let setting, _, _) where setting == "module" || setting == "registered_name": throw error
            default: configIssue = error.errorDescription
            }
        }
        if !paths.contains(weightsMember) && paths.contains(npzWeightsMember) {
            throw KerasArchiveError.pickledWeights(file: url.path, member: npzWeightsMember)
        }
        guard paths.contains(weightsMember) else {
            throw KerasArchiveError.missingMember(file: url.path, member: weightsMember, found: paths)
        }
        let archive = KerasArchive(
            memberPaths: paths, kerasVersion: metadata["keras_version"] as? String, metadataJSON: metadataJSON, configJSON: configJSON,
            modelConfig: modelConfig, configIssue: configIssue, weights: try KerasWeightTree(entries: []))
        let stream = try withTemporaryCopy(of: weightsMember, in: zip, limits: limits) { copy in
            // Errors name the temporary copy; say which archive member it was.
            func rewrite(_ error: Error) -> Error {
                guard let error = error as? LocalizedError else { return error }
                let message = (error.errorDescription ?? "\(error)").replacingOccurrences(
                    of: copy.path, with: "\(url.path):\(weightsMember)")
                return KerasArchiveError.invalidMember(file: url.path, member: weightsMember, reason: message)
            }
            let stream: KerasWeightStream
            do {
                // Open (in this process, or in the child, whose listing arrives after it opened the file) when this returns.
                stream = try KerasWeightStream.open(copy, mode: .weightTree, limits: limits, isolation: isolation)
            } catch {
                throw rewrite(error)
            }
            stream.rewriteError = rewrite
            return stream
        }
        return (archive, stream)
    }

    /// Copies the member to a new file in a private (0700) temporary directory, calls `body` with it, and removes both.
    private static func withTemporaryCopy<T>(of member: String, in zip: NPZArchive, limits: ResourceLimits, _ body: (URL) throws -> T)
        throws -> T
    {
        let (bound, overflow) = limits.maxTotalBytes.addingReportingOverflow(64 << 20)  // the weights plus HDF5's own structures
        var template = Array((FileManager.default.temporaryDirectory.path + "/weightbridge-keras-XXXXXX").utf8CString)
        guard let dir = mkdtemp(&template) else {
            throw SafeIOError.writeFailed(file: FileManager.default.temporaryDirectory.path, reason: String(cString: strerror(errno)))
        }
        let dirURL = URL(fileURLWithPath: String(cString: dir))
        defer { try? FileManager.default.removeItem(at: dirURL) }
        let copy = dirURL.appendingPathComponent(member)
        // Piece by piece: the member is never held in memory beside the weights read from it (issue 15).
        try zip.copyMember(member, maxBytes: overflow ? .max : bound, to: copy)
        return try body(copy)
    }
}
