import Foundation
import MNIST
import SafeIO
import Yams

/// A list of verifications for a whole CI step, read from YAML or JSON (`weightbridge verify --manifest checks.yml`):
///
/// ```yaml
/// checks:
///   - name: digits_cnn                       # optional; default: the model's file name
///     model: digits_cnn.h5                   # any model WeightBridge reads
///     architecture: arch.json                # optional, for a weights-only .h5
///     dataset: {data: digits_test.npz, x_name: x, y_name: y}   # or {x: x.npy, y: y.npy} or {split: test}
///     preprocessing: {scale: 1/16, reshape: [8, 8, 1], dtype: float32}   # optional
///     expect: {accuracy: 0.9583, top3_accuracy: 0.9917, loss: 0.1471}    # written precision is checked
///     reference: {file: digits_cnn_outputs.npy, atol: 1e-5, rtol: 0}     # optional
///   - name: seed                             # the seed project's own protocol (Fixtures/seed/verify.yml)
///     seed: {mlp: mlp_weights.npz, cnn: cnn_model.h5, reported: reported.json}
/// ```
///
/// Relative paths are relative to the manifest's directory. Figures keep the digits they are written with in
/// either syntax (`0.9810` checks four decimals), because the manifest is read as YAML, of which JSON is a part;
/// a bare list of checks is accepted too. Unknown keys are refused so that a typo cannot skip a check.
public struct VerificationManifest: Sendable {
    /// The seed project's verification: its MLP and CNN under their own protocols, against `reported`.
    public struct SeedEntry: Sendable, Equatable {
        public var mlp: URL
        public var cnn: URL
        public var reported: URL
        /// Where libhdf5 parses the seed models (the manifest's `isolation`).
        public var isolation: KerasReadIsolation = .inProcess
    }

    /// One entry of the manifest.
    public enum Entry: Sendable {
        case model(ModelCheck)
        case seed(SeedEntry)
    }

    /// Where the manifest was read from.
    public var source: String
    public var entries: [Entry]

    /// Reads the manifest at `url`; it may not exceed `limits.maxConfigBytes`. Throws `ManifestError` naming the
    /// entry and key that is wrong, and `FigureError`/`DatasetError` for a bad figure or preprocessing. Every model
    /// the manifest lists is read with `isolation` (libhdf5 in this process by default).
    public static func load(_ url: URL, limits: ResourceLimits = .default, isolation: KerasReadIsolation = .inProcess) throws
        -> VerificationManifest
    {
        guard let size = FileSize.of(url) else { throw ManifestError.invalid(file: url.path, at: "", reason: "no such file") }
        guard size <= UInt64(limits.maxConfigBytes) else {
            throw ManifestError.invalid(
                file: url.path, at: "", reason: "is " + ResourceLimits.overLimit(size, limit: limits.maxConfigBytes, unit: "bytes"))
        }
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        return try parse(
            text, baseDirectory: url.deletingLastPathComponent(), source: url.path, limits: limits, isolation: isolation)
    }

    /// Parses manifest text; relative paths resolve against `baseDirectory`, and models are read with `isolation`.
    public static func parse(
        _ text: String, baseDirectory: URL, source: String, limits: ResourceLimits = .default,
        isolation: KerasReadIsolation = .inProcess
    ) throws -> VerificationManifest {
        let parser = Parser(source: source, base: baseDirectory, limits: limits, isolation: isolation)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ManifestError.invalid(
                file: source, at: "", reason: "not YAML or JSON: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let root else { throw ManifestError.invalid(file: source, at: "", reason: "is empty") }
        let list: Node.Sequence
        if let sequence = root.sequence {
            list = sequence
        } else if let mapping = root.mapping {
            try parser.onlyKeys(mapping, ["checks", "version"], at: "")
            guard let checks = mapping["checks"]?.sequence else {
                throw ManifestError.invalid(file: source, at: "checks", reason: "expected a list of checks")
            }
            list = checks
        } else {
            throw ManifestError.invalid(file: source, at: "", reason: "expected a list of checks or a mapping with 'checks'")
        }
        guard !list.isEmpty else { throw ManifestError.invalid(file: source, at: "checks", reason: "lists no checks") }
        let entries = try list.enumerated().map { i, node in try parser.entry(node, at: "checks[\(i)]") }
        return VerificationManifest(source: source, entries: entries)
    }

    /// Runs every entry in order. `mnist` is called at most once, and only when an entry needs MNIST.
    public func run(mnist load: () throws -> MNISTDataset) throws -> [SeedVerification.ModelResult] {
        var loaded: MNISTDataset?
        func mnist() throws -> MNISTDataset {
            if let loaded { return loaded }
            let dataset = try load()
            loaded = dataset
            return dataset
        }
        var results: [SeedVerification.ModelResult] = []
        for entry in entries {
            switch entry {
            case .model(let check):
                results.append(try check.run(mnist: mnist))
            case .seed(let seed):
                let figures = try ReportedFigures.load(seed.reported)
                let dataset = try mnist()
                results.append(
                    try SeedVerification.verifyMLP(file: seed.mlp, dataset: dataset, reported: figures.mlp, isolation: seed.isolation))
                results.append(
                    try SeedVerification.verifyCNN(file: seed.cnn, dataset: dataset, reported: figures.cnn, isolation: seed.isolation))
            }
        }
        return results
    }

    /// Reads nodes into entries, naming the place of every problem.
    struct Parser {
        let source: String
        let base: URL
        let limits: ResourceLimits
        let isolation: KerasReadIsolation

        func fail(_ at: String, _ reason: String) -> ManifestError { .invalid(file: source, at: at, reason: reason) }

        func onlyKeys(_ mapping: Node.Mapping, _ allowed: [String], at: String) throws {
            for key in mapping.keys {
                guard let k = key.string, allowed.contains(k) else {
                    throw fail(at, "unknown key '\(key.string ?? "?")' (known: \(allowed.joined(separator: ", ")))")
                }
            }
        }

        func string(_ mapping: Node.Mapping, _ key: String, at: String) throws -> String? {
            guard let node = mapping[key] else { return nil }
            guard let s = node.scalar?.string, !s.isEmpty else { throw fail(at.isEmpty ? key : "\(at).\(key)", "expected a value") }
            return s
        }

        func path(_ mapping: Node.Mapping, _ key: String, at: String) throws -> URL? {
            guard let s = try string(mapping, key, at: at) else { return nil }
            return s.hasPrefix("/") ? URL(fileURLWithPath: s) : base.appendingPathComponent(s).standardizedFileURL
        }

        func number(_ mapping: Node.Mapping, _ key: String, at: String) throws -> Double? {
            guard let s = try string(mapping, key, at: at) else { return nil }
            guard let v = Double(s), v.isFinite, v >= 0 else { throw fail("\(at).\(key)", "'\(s)' is not a number >= 0") }
            return v
        }

        func entry(_ node: Node, at: String) throws -> Entry {
            guard let m = node.mapping else { throw fail(at, "expected a mapping with model, dataset and expect") }
            if let seed = m["seed"] {
                try onlyKeys(m, ["name", "seed"], at: at)
                guard let s = seed.mapping else { throw fail("\(at).seed", "expected {mlp, cnn, reported}") }
                try onlyKeys(s, ["mlp", "cnn", "reported"], at: "\(at).seed")
                guard let mlp = try path(s, "mlp", at: "\(at).seed"), let cnn = try path(s, "cnn", at: "\(at).seed"),
                    let reported = try path(s, "reported", at: "\(at).seed")
                else { throw fail("\(at).seed", "needs mlp, cnn and reported") }
                return .seed(SeedEntry(mlp: mlp, cnn: cnn, reported: reported, isolation: isolation))
            }
            try onlyKeys(m, ["name", "model", "architecture", "dataset", "preprocessing", "expect", "reference"], at: at)
            guard let model = try path(m, "model", at: at) else { throw fail(at, "needs 'model'") }
            var options = ModelFile.ImportOptions(limits: limits, isolation: isolation)
            options.architecture = try path(m, "architecture", at: at)
            guard let d = m["dataset"]?.mapping else {
                throw fail("\(at).dataset", "needs {data: test.npz}, {x: x.npy, y: y.npy} or {split: test}")
            }
            let dataset = try self.dataset(d, at: "\(at).dataset")
            var preprocessing = Preprocessing()
            if let p = m["preprocessing"] {
                guard let pm = p.mapping else { throw fail("\(at).preprocessing", "expected {scale, reshape, dtype}") }
                preprocessing = try self.preprocessing(pm, at: "\(at).preprocessing")
            }
            var expectations: [FigureExpectation] = []
            if let e = m["expect"] {
                guard let em = e.mapping else { throw fail("\(at).expect", "expected {figure: value, ...}") }
                for (key, value) in em {
                    guard let name = key.string, let written = value.scalar?.string else {
                        throw fail("\(at).expect", "expected figure: value")
                    }
                    expectations.append(try FigureExpectation(name: name, written: written))
                }
            }
            var reference: ModelCheck.Reference?
            if let r = m["reference"] {
                guard let rm = r.mapping else { throw fail("\(at).reference", "expected {file, atol, rtol}") }
                try onlyKeys(rm, ["file", "atol", "rtol"], at: "\(at).reference")
                guard let file = try path(rm, "file", at: "\(at).reference") else { throw fail("\(at).reference", "needs 'file'") }
                reference = ModelCheck.Reference(
                    file: file, atol: try number(rm, "atol", at: "\(at).reference") ?? 0,
                    rtol: try number(rm, "rtol", at: "\(at).reference") ?? 0)
            }
            guard !expectations.isEmpty || reference != nil else {
                throw fail(at, "expects nothing: give 'expect' figures or a 'reference'")
            }
            let name = try string(m, "name", at: at) ?? model.lastPathComponent
            return .model(
                ModelCheck(
                    name: name, model: model, importOptions: options, dataset: dataset, preprocessing: preprocessing,
                    expectations: expectations, reference: reference))
        }

        func dataset(_ d: Node.Mapping, at: String) throws -> DatasetSource {
            try onlyKeys(d, ["data", "x_name", "y_name", "x", "y", "split"], at: at)
            if let data = try path(d, "data", at: at) {
                guard d["x"] == nil, d["y"] == nil, d["split"] == nil else { throw fail(at, "give either data, or x and y, or split") }
                return .npz(data, xName: try string(d, "x_name", at: at) ?? "x", yName: try string(d, "y_name", at: at) ?? "y")
            }
            if let split = try string(d, "split", at: at) {
                guard let s = EvaluationSplit(rawValue: split) else {
                    throw fail("\(at).split", "'\(split)' is none of \(EvaluationSplit.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return .mnist(s)
            }
            guard let x = try path(d, "x", at: at), let y = try path(d, "y", at: at) else {
                throw fail(at, "give data, or x and y, or split")
            }
            return .arrays(x: x, y: y)
        }

        func preprocessing(_ p: Node.Mapping, at: String) throws -> Preprocessing {
            try onlyKeys(p, ["scale", "reshape", "dtype"], at: at)
            var scale: Preprocessing.Scale?
            if let s = try string(p, "scale", at: at) {
                guard let parsed = Preprocessing.Scale(s) else {
                    throw fail("\(at).scale", "'\(s)' is neither a factor such as 0.0625 nor 1/N")
                }
                scale = parsed
            }
            var reshape: [Int]?
            if let r = p["reshape"] {
                let items = r.sequence.map { Array($0) } ?? (r.scalar?.string.split(separator: ",").map { Node(String($0)) } ?? [])
                let dims = items.map { $0.scalar?.string.trimmingCharacters(in: .whitespaces) }.map { $0.flatMap(Int.init) }
                guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
                    throw fail("\(at).reshape", "expected positive sizes such as [28, 28, 1]")
                }
                reshape = dims.compactMap { $0 }
            }
            return try Preprocessing(scale: scale, reshape: reshape, dtype: try string(p, "dtype", at: at) ?? "float32")
        }
    }
}

/// Errors in a verification manifest.
public enum ManifestError: WeightBridgeError, Equatable {
    /// The manifest is malformed at `at` (`checks[2].dataset`).
    case invalid(file: String, at: String, reason: String)

    public var fileAndProblem: (file: String?, problem: String) {
        switch self {
        case .invalid(let file, let at, let reason): (file, at.isEmpty ? reason : "\(at): \(reason)")
        }
    }
}
