import ArgumentParser
import Foundation
import WeightBridge

/// `weightbridge inspect FILE`: what a .npy/.npz/.safetensors/.h5 file holds (recognised by content).
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Show what a .npy, .npz, .safetensors or .h5 file holds: arrays with dtype, shape and statistics, or a Keras model's layers.",
        discussion: """
            Files are recognised by content, whatever their extension. For NumPy and .safetensors files: every array's name, dtype, shape, element count, bytes and, for float arrays, \
            min/max/mean and any NaN/Inf. For Keras .h5 files: Keras version, backend, model class, a layer \
            table (name, class, output shape, parameters, activation), total parameters, the training \
            configuration and whether optimizer state is present. For other HDF5 files: the group/dataset tree.

            Examples:
              weightbridge inspect ../shared/seed/mlp_weights.npz
              weightbridge inspect ../shared/seed/cnn_model.h5 --json
            """)

    @Argument(help: ArgumentHelp("The file to inspect.", valueName: "file")) var file: String

    /// How much of a Keras weight is summarised at a time (`KerasWeightStream.nextWeight(piecesOf:_:)`).
    static let pieceBytes = 4 << 20
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
        /// The tensors the layer's calls read (`name[call][0]`), as `model.summary()` shows them.
        var connectedTo: [String]
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
        switch try FileKind.detect(url) {
        case .npy:
            let a = try NPYFile.read(url, limits: limitOptions.limits)
            try show([info(name: url.deletingPathExtension().lastPathComponent, a)], title: "\(file): NumPy .npy")
        case .safetensors:
            try inspectSafeTensors(url)
        case .npz:
            let archive = try NPZArchive(url: url, limits: limitOptions.limits)
            // Members are streamed: statistics in the memory of one piece, whatever a member's size.
            let infos = try archive.names.map { try streamedInfo(name: $0, in: archive) }
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
        case .hdf5, nil:
            try inspectHDF5(url)
        case .kerasArchive:
            try inspectKerasArchive(url)
        case .json, .yaml:
            throw FileKindError.wrongKind(
                file: file, found: try FileKind.detect(url), expected: "a file of arrays or a model (inspect lists no bare architecture)")
        }
    }

    struct KerasArchiveInfo: Encodable {
        struct Layer: Encodable {
            var name: String
            var className: String
        }
        struct Weight: Encodable {
            var path: String
            var shape: [Int]
            var storedType: String
            var summary: ArraySummary
        }
        var file: String
        var format = "Keras 3 .keras archive"
        var members: [String]
        var kerasVersion: String?
        var modelClass: String?
        var layers: [Layer]
        var configIssue: String?
        var weights: [Weight]
    }

    /// Members, keras_version, the configuration's layers and the weight tree, whether or not the model imports.
    /// The weights are summarised one at a time as they are read (one weight in memory, whatever the model's size).
    private func inspectKerasArchive(_ url: URL) throws {
        let info = try KerasArchive.withWeightStream(url, limits: limitOptions.limits, isolation: ReadH5Child.reader) {
            archive, stream in
            guard case .tree(let entries, _) = stream.contents else { preconditionFailure("a weights-tree stream lists a tree") }
            var weights: [KerasArchiveInfo.Weight] = []
            for e in entries {
                var accumulator = ArraySummary.Accumulator()
                try stream.nextWeight(piecesOf: Self.pieceBytes) { accumulator.add($0) }
                let summary = accumulator.summary
                weights.append(KerasArchiveInfo.Weight(path: e.path, shape: e.shape, storedType: e.storedType, summary: summary))
            }
            try stream.finish()
            return KerasArchiveInfo(
                file: file, members: archive.memberPaths, kerasVersion: archive.kerasVersion, modelClass: archive.modelClassName,
                layers: archive.layerSummaries.map { KerasArchiveInfo.Layer(name: $0.name, className: $0.className) },
                configIssue: archive.configIssue, weights: weights)
        }
        if output.json { return try printJSON(info) }
        print("\(file): Keras 3 .keras archive")
        print("  members: \(info.members.joined(separator: ", "))")
        print("  Keras \(info.kerasVersion ?? "version not recorded"), \(info.modelClass ?? "model class not recorded")")
        print("")
        print("  " + pad("layer", 24) + "class")
        for l in info.layers { print("  " + pad(l.name, 24) + l.className) }
        if let issue = info.configIssue { print("  note: \(issue)") }
        print("")
        print("  " + pad("weight", 44) + pad("stored", 10) + pad("shape", 18) + pad("min", 12) + pad("max", 12) + "mean")
        for w in info.weights {
            let shape = "(" + w.shape.map(String.init).joined(separator: ", ") + (w.shape.count == 1 ? ",)" : ")")
            var line = "  " + pad(w.path, 44) + pad(w.storedType, 10) + pad(shape, 18)
            line +=
                pad(w.summary.min.map { String(format: "%.5g", $0) } ?? "-", 12)
                + pad(w.summary.max.map { String(format: "%.5g", $0) } ?? "-", 12)
            line += w.summary.mean.map { String(format: "%.5g", $0) } ?? "-"
            if w.summary.nanCount > 0 || w.summary.infCount > 0 {
                line += "  WARNING: \(w.summary.nanCount) NaN, \(w.summary.infCount) Inf"
            }
            print(line)
        }
        print("")
        print("  \(info.weights.count) weights, \(info.weights.reduce(0) { $0 + $1.shape.reduce(1, *) }.formatted()) parameters")
    }

    struct SafeTensorsInfo: Encodable {
        var file: String
        var format = "safetensors"
        var metadata: [String: String]?
        var arrays: [ArrayInfo]
    }

    /// Tensors in data order, one in memory at a time; dtypes as the header spells them (F32, BF16).
    private func inspectSafeTensors(_ url: URL) throws {
        let st = try SafeTensorsFile(url: url, limits: limitOptions.limits)
        let infos = try st.names.map { name -> ArrayInfo in
            let t = try st.tensor(name)
            let isFloat = [.float16, .bfloat16, .float32, .float64].contains(t.dtype)
            return ArrayInfo(
                name: name, dtype: t.dtype.rawValue, shape: t.shape, fortranOrder: false, count: t.count,
                bytes: t.data.count, summary: isFloat ? ArraySummary(try t.doubles()) : nil)
        }
        if output.json {
            let metadata = st.metadata.map { Dictionary($0.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }) }
            return try printJSON(SafeTensorsInfo(file: file, metadata: metadata, arrays: infos))
        }
        try show(infos, title: "\(file): .safetensors, \(infos.count) tensors")
        for (key, value) in st.metadata ?? [] { print("metadata: \(key) = \(value)") }
    }

    /// An `.npz` member's line, its statistics gathered piece by piece (`NPZArchive.forEachPiece`).
    private func streamedInfo(name: String, in archive: NPZArchive) throws -> ArrayInfo {
        let header = try archive.header(name)
        let isFloat = [.float16, .float32, .float64].contains(header.dtype.elementType)
        var summary = ArraySummary.Accumulator()
        try archive.forEachPiece(of: name) { piece in if isFloat { summary.add(try piece.doubles()) } }
        return ArrayInfo(
            name: name, dtype: header.dtype.descr, shape: header.shape, fortranOrder: header.fortranOrder, count: header.shape.reduce(1, *),
            bytes: header.byteCount, summary: isFloat ? summary.summary : nil)
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

    /// A Keras model's layer table from its configuration and the weights' shapes (`ModelFile.describe`, no model
    /// built), and its non-finite weights counted one weight at a time as they are read: the memory of one weight,
    /// whatever the model's size.
    private func inspectHDF5(_ url: URL) throws {
        let stream = try KerasModelFile.openWeightStream(url, limits: limitOptions.limits, isolation: ReadH5Child.reader, orList: true)
        let keras: KerasModelFile
        switch stream.contents {
        case .keras(let file):
            keras = file
        case .hdf5(let lines, let reason):
            try stream.finish()
            if output.json { return try printJSON(["file": file, "format": "HDF5", "tree": lines.joined(separator: "\n")]) }
            print(PrintableText.line("\(file): HDF5 file, not a Keras model (\(reason))"))
            for line in lines { print("  " + PrintableText.line(line, limit: 200)) }
            return
        case .tree:
            preconditionFailure("a Keras stream lists a model or an HDF5 file")
        }
        var nonFinite: [String] = []
        for layer in keras.layerWeights {
            for w in layer.weights {
                var accumulator = ArraySummary.Accumulator()
                try stream.nextWeight(piecesOf: Self.pieceBytes) { accumulator.add($0) }
                let s = accumulator.summary
                guard s.nanCount + s.infCount > 0 else { continue }
                nonFinite.append("\(layer.layerName)/\(NamedArray.kerasWeightShortName(w.name)): \(s.nanCount) NaN, \(s.infCount) Inf")
            }
        }
        try stream.finish()
        // The file was read once above (in the isolated reader); the model is described from its listing.
        let m = try ModelFile.describe(keras, from: url, options: try modelOptions.importOptions(limits: limitOptions.limits))
        let connections = m.graph.connections
        let outputShapes = m.outputShapes
        let parameterCounts = m.parameterCounts
        let layers = m.layerNames.indices.map { i -> LayerInfo in
            LayerInfo(
                name: m.layerNames[i], className: m.layerClassNames[i], outputShape: outputShapes[i],
                parameters: parameterCounts[i], activation: m.graph.layers[i].spec.activationSetting?.rawValue, connectedTo: connections[i])
        }
        let info = ModelInfo(
            file: file, format: keras.modelConfig == nil ? "Keras weights-only HDF5" : "Keras HDF5 model",
            kerasVersion: keras.kerasVersion, backend: keras.backend,
            modelClass: keras.modelConfig?.className, precision: "float32", inputShape: m.inputShape,
            layers: layers, totalParameters: parameterCounts.reduce(0, +),
            trainingConfig: keras.trainingConfigJSON, optimizerStatePresent: keras.hasOptimizerWeights,
            notes: m.notes, nonFiniteWeights: nonFinite)
        if output.json { return try printJSON(info) }
        print(PrintableText.line("\(file): \(info.format)"))
        print(
            "  Keras \(info.kerasVersion?.printable() ?? "version not recorded"), backend \(info.backend?.printable() ?? "not recorded"), "
                + (info.modelClass?.printable() ?? "architecture given by --architecture"))
        for input in m.graph.inputs {
            let shape = "(None, " + input.shape.map(String.init).joined(separator: ", ") + ")"
            print(m.graph.inputs.count == 1 ? "  input shape \(shape)" : "  input \(input.name.printable()): \(shape)")
        }
        print("")
        // A graph shows what each layer reads, as model.summary() does for Functional models.
        let graphColumn = !m.graph.isChain
        var table = TextTable(["layer", "class", "output shape", "params", "activation"] + (graphColumn ? ["connected to"] : []))
        for l in layers {
            let shape = "(None, " + l.outputShape.map(String.init).joined(separator: ", ") + ")"
            let connected = graphColumn ? [l.connectedTo.joined(separator: ", ")] : []
            table.append([l.name, l.className, shape, l.parameters.formatted(), l.activation ?? ""] + connected)
        }
        for line in table.lines(indent: "  ") { print(line) }
        print("")
        print("  total parameters: \(info.totalParameters.formatted())")
        print("  training config: " + summary(ofTrainingConfig: keras.trainingConfigJSON).printable(limit: 200))
        print("  optimizer state: \(keras.hasOptimizerWeights ? "present (WeightBridge drops it when writing)" : "absent")")
        for note in m.notes { print("  note: " + PrintableText.line(note)) }
        for w in info.nonFiniteWeights { print("  WARNING: " + PrintableText.line(w)) }
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
