import ArgumentParser
import Foundation
import WeightBridge

/// `weightbridge inspect FILE`: what a .npy/.npz/.h5 file holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a .npy, .npz or .h5 file holds: arrays with dtype, shape and statistics, or a Keras model's layers.",
        discussion: """
            For NumPy files: every array's name, dtype, shape, element count, bytes and, for float arrays, \
            min/max/mean and any NaN/Inf. For Keras .h5 files: Keras version, backend, model class, a layer \
            table (name, class, output shape, parameters, activation), total parameters, the training \
            configuration and whether optimizer state is present. For other HDF5 files: the group/dataset tree.

            Examples:
              weightbridge inspect ../shared/seed/mlp_weights.npz
              weightbridge inspect ../shared/seed/cnn_model.h5 --json
            """)

    @Argument(help: ArgumentHelp("The file to inspect.", valueName: "file")) var file: String
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var limitOptions: LimitOptions
    @OptionGroup var output: JSONOption

    struct ArrayInfo: Encodable {
        var name: String
        var dtype: String
        var shape: [Int]
        var fortranOrder: Bool
        var count: Int
        var bytes: Int
        var summary: ArraySummary?
    }

    struct LayerInfo: Encodable {
        var name: String
        var className: String
        var outputShape: [Int]
        var parameters: Int
        var activation: String?
    }

    struct ModelInfo: Encodable {
        var file: String
        var format: String
        var kerasVersion: String?
        var backend: String?
        var modelClass: String?
        var precision: String
        var inputShape: [Int]
        var layers: [LayerInfo]
        var totalParameters: Int
        var trainingConfig: String?
        var optimizerStatePresent: Bool
        var notes: [String]
        /// Weights holding NaN or infinite values, e.g. "dense/kernel: 3 NaN, 0 Inf".
        var nonFiniteWeights: [String]
    }

    func run() throws {
        let url = try requireFile(file, flag: "the FILE argument")
        switch url.pathExtension.lowercased() {
        case "npy":
            let a = try NPYFile.read(url, limits: limitOptions.limits)
            try show([info(name: url.deletingPathExtension().lastPathComponent, a)], title: "\(file): NumPy .npy")
        case "npz":
            let archive = try NPZArchive(url: url, limits: limitOptions.limits)
            // One member in memory at a time.
            let infos = try archive.names.map { try info(name: $0, archive.array($0)) }
            try show(infos, title: "\(file): NumPy .npz, \(infos.count) arrays")
            if !output.json, let chain = try? MLPArchive.chain(in: archive, orientation: try modelOptions.importOptions().orientation) {
                let sizes = [chain.layers[0].inputs] + chain.layers.map(\.outputs)
                let pairs = chain.layers.map { "\($0.weight)" + ($0.bias.map { "+\($0)" } ?? "") }.joined(separator: ", ")
                print(
                    "as an MLP: dense chain \(sizes.map(String.init).joined(separator: " -> ")), weights (\(chain.orientation.rawValue)), "
                        + "\(chain.isFloat64 ? "float64" : "float32"); layers \(pairs)")
            }
        default:
            try inspectHDF5(url)
        }
    }

    private func info(name: String, _ a: NPYArray) throws -> ArrayInfo {
        let isFloat = [.float16, .float32, .float64].contains(a.dtype.elementType)
        return ArrayInfo(
            name: name, dtype: a.dtype.descr, shape: a.shape, fortranOrder: a.fortranOrder, count: a.count,
            bytes: a.byteCount, summary: isFloat ? ArraySummary(try a.doubles()) : nil)
    }

    private func show(_ arrays: [ArrayInfo], title: String) throws {
        if output.json { return try printJSON(arrays) }
        print(title)
        print(
            pad("name", 20) + pad("dtype", 7) + pad("shape", 16) + pad("count", 10) + pad("bytes", 11) + pad("min", 12) + pad("max", 12)
                + "mean")
        for a in arrays {
            let shape =
                "(" + a.shape.map(String.init).joined(separator: ", ") + (a.shape.count == 1 ? ",)" : ")") + (a.fortranOrder ? " F" : "")
            var line = pad(a.name, 20) + pad(a.dtype, 7) + pad(shape, 16) + pad(String(a.count), 10) + pad(String(a.bytes), 11)
            if let s = a.summary {
                line += pad(s.min.map { String(format: "%.5g", $0) } ?? "-", 12) + pad(s.max.map { String(format: "%.5g", $0) } ?? "-", 12)
                line += s.mean.map { String(format: "%.5g", $0) } ?? "-"
                if s.nanCount > 0 || s.infCount > 0 { line += "  WARNING: \(s.nanCount) NaN, \(s.infCount) Inf" }
            }
            print(line)
        }
    }

    private func inspectHDF5(_ url: URL) throws {
        let keras: KerasModelFile
        switch try KerasModelFile.readOrList(url, limits: limitOptions.limits) {
        case .keras(let file):
            keras = file
        case .hdf5(let lines, let reason):
            if output.json { return try printJSON(["file": file, "format": "HDF5", "tree": lines.joined(separator: "\n")]) }
            print("\(file): HDF5 file, not a Keras model (\(reason))")
            for line in lines { print("  " + line) }
            return
        }
        let imported = try ModelFile.load(url, options: try modelOptions.importOptions(limits: limitOptions.limits))
        let m = imported.model
        let layers = imported.layerNames.indices.map { i -> LayerInfo in
            LayerInfo(
                name: imported.layerNames[i], className: imported.layerClassNames[i], outputShape: m.outputShapes[i],
                parameters: m.parameterCounts[i], activation: activationName(m.specs[i]))
        }
        let info = ModelInfo(
            file: file, format: keras.modelConfig == nil ? "Keras weights-only HDF5" : "Keras HDF5 model",
            kerasVersion: keras.kerasVersion, backend: keras.backend,
            modelClass: keras.modelConfig?.className, precision: m.precisionName, inputShape: m.inputShape,
            layers: layers, totalParameters: m.parameterCounts.reduce(0, +),
            trainingConfig: keras.trainingConfigJSON, optimizerStatePresent: keras.hasOptimizerWeights,
            notes: imported.notes,
            nonFiniteWeights: keras.layerWeights.flatMap { layer in
                layer.weights.compactMap { w -> String? in
                    let s = ArraySummary(w.values.map(Double.init))
                    guard s.nanCount + s.infCount > 0 else { return nil }
                    return "\(layer.layerName)/\(NamedArray.kerasWeightShortName(w.name)): \(s.nanCount) NaN, \(s.infCount) Inf"
                }
            })
        if output.json { return try printJSON(info) }
        print("\(file): \(info.format)")
        print(
            "  Keras \(info.kerasVersion ?? "version not recorded"), backend \(info.backend ?? "not recorded"), \(info.modelClass ?? "architecture given by --architecture")"
        )
        print("  input shape (None, " + m.inputShape.map(String.init).joined(separator: ", ") + ")")
        print("")
        print("  " + pad("layer", 20) + pad("class", 14) + pad("output shape", 22) + pad("params", 10) + "activation")
        for l in layers {
            let shape = "(None, " + l.outputShape.map(String.init).joined(separator: ", ") + ")"
            print("  " + pad(l.name, 20) + pad(l.className, 14) + pad(shape, 22) + pad(l.parameters.formatted(), 10) + (l.activation ?? ""))
        }
        print("")
        print("  total parameters: \(info.totalParameters.formatted())")
        print("  training config: \(summary(ofTrainingConfig: keras.trainingConfigJSON))")
        print("  optimizer state: \(keras.hasOptimizerWeights ? "present (WeightBridge drops it when writing)" : "absent")")
        for note in imported.notes { print("  note: \(note)") }
        for w in info.nonFiniteWeights { print("  WARNING: \(w)") }
    }

    private func activationName(_ spec: LayerSpec) -> String? {
        switch spec {
        case .dense(_, let a, _), .conv2D(_, _, _, _, _, _, let a, _), .activation(let a): return a.rawValue
        default: return nil
        }
    }

    private func summary(ofTrainingConfig json: String?) -> String {
        guard let json, let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return "absent" }
        var parts: [String] = []
        if let opt = object["optimizer_config"] as? [String: Any] {
            let cls = opt["class_name"] as? String ?? "?"
            let lr = (opt["config"] as? [String: Any])?["learning_rate"].map(jsonText) ?? "?"
            parts.append("optimizer \(cls) (learning rate \(lr))")
        }
        if let loss = object["loss"] { parts.append("loss \(jsonText(loss))") }
        if let metrics = object["metrics"] { parts.append("metrics \(jsonText(metrics))") }
        return parts.isEmpty ? "present" : parts.joined(separator: ", ")
    }
}

/// A JSON value as a person reads it: strings bare, numbers shortest (a float32 learning rate saved as
/// 0.0010000000474974513 reads 0.001), lists joined with commas, objects as compact JSON.
func jsonText(_ value: Any) -> String {
    switch value {
    case let s as String: return s
    case let n as NSNumber where String(cString: n.objCType) == "c": return n.boolValue ? "true" : "false"
    case let n as NSNumber: return NumberText.short(n.doubleValue)
    case let list as [Any]: return list.isEmpty ? "none" : list.map(jsonText).joined(separator: ", ")
    case is NSNull: return "none"
    default:
        guard JSONSerialization.isValidJSONObject(value),
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        else {
            return "\(value)"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

extension Int {
    /// 225034 -> "225,034".
    func formatted() -> String {
        let s = String(self)
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && ch != "-" { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }
}
