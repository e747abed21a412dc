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
                let pairs = chain.layers.map { $0.weight.printable() + ($0.bias.map { "+" + $0.printable() } ?? "") }.joined(
                    separator: ", ")
                print(
                    PrintableText.line(
                        "as an MLP: dense chain \(sizes.map(String.init).joined(separator: " -> ")), weights (\(chain.orientation.rawValue)), "
                            + "\(chain.isFloat64 ? "float64" : "float32"); layers \(pairs)", limit: 4096))
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
        print(PrintableText.line(title))
        var table = TextTable(["name", "dtype", "shape", "count", "bytes", "min", "max", "mean"])
        for a in arrays {
            let shape =
                "(" + a.shape.map(String.init).joined(separator: ", ") + (a.shape.count == 1 ? ",)" : ")") + (a.fortranOrder ? " F" : "")
            var row = [a.name, a.dtype, shape, String(a.count), String(a.bytes)]
            if let s = a.summary {
                row += [s.min.map { String(format: "%.5g", $0) } ?? "-", s.max.map { String(format: "%.5g", $0) } ?? "-"]
                var mean = s.mean.map { String(format: "%.5g", $0) } ?? "-"
                if s.nanCount > 0 || s.infCount > 0 { mean += "  WARNING: \(s.nanCount) NaN, \(s.infCount) Inf" }
                row.append(mean)
            }
            table.append(row)
        }
        for line in table.lines() { print(line) }
    }

    private func inspectHDF5(_ url: URL) throws {
        let keras: KerasModelFile
        switch try KerasModelFile.readOrList(url, limits: limitOptions.limits) {
        case .keras(let file):
            keras = file
        case .hdf5(let lines, let reason):
            if output.json { return try printJSON(["file": file, "format": "HDF5", "tree": lines.joined(separator: "\n")]) }
            print(PrintableText.line("\(file): HDF5 file, not a Keras model (\(reason))"))
            for line in lines { print("  " + PrintableText.line(line, limit: 200)) }
            return
        }
        // The file was read once above (in the isolated reader); the model is built from that answer.
        let imported = try ModelFile.load(keras, from: url, options: try modelOptions.importOptions(limits: limitOptions.limits))
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
        print(PrintableText.line("\(file): \(info.format)"))
        print(
            "  Keras \(info.kerasVersion?.printable() ?? "version not recorded"), backend \(info.backend?.printable() ?? "not recorded"), "
                + (info.modelClass?.printable() ?? "architecture given by --architecture"))
        print("  input shape (None, " + m.inputShape.map(String.init).joined(separator: ", ") + ")")
        print("")
        var table = TextTable(["layer", "class", "output shape", "params", "activation"])
        for l in layers {
            let shape = "(None, " + l.outputShape.map(String.init).joined(separator: ", ") + ")"
            table.append([l.name, l.className, shape, l.parameters.formatted(), l.activation ?? ""])
        }
        for line in table.lines(indent: "  ") { print(line) }
        print("")
        print("  total parameters: \(info.totalParameters.formatted())")
        print("  training config: " + summary(ofTrainingConfig: keras.trainingConfigJSON).printable(limit: 200))
        print("  optimizer state: \(keras.hasOptimizerWeights ? "present (WeightBridge drops it when writing)" : "absent")")
        for note in imported.notes { print("  note: " + PrintableText.line(note)) }
        for w in info.nonFiniteWeights { print("  WARNING: " + PrintableText.line(w)) }
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
            let lr = (opt["config"] as? [String: Any])?["learning_rate"].map { "\($0)" } ?? "?"
            parts.append("optimizer \(cls) (learning rate \(lr))")
        }
        if let loss = object["loss"] { parts.append("loss \(loss)") }
        if let metrics = object["metrics"] { parts.append("metrics \(metrics)") }
        return parts.isEmpty ? "present" : parts.joined(separator: ", ")
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
