import ArgumentParser
import Foundation
import WeightBridge

/// `weightbridge convert IN OUT`: between .npy, .npz, .safetensors and Keras .h5.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert between .npy, .npz, .safetensors and Keras .h5 files.",
        discussion: """
            NumPy to NumPy keeps every array's dtype, byte order, shape and order exactly:
              .npy -> .npz           one member named after the file's stem
              .npz -> .npz           repack, stored (default) or deflated (--compress)
              IN.npz:NAME -> .npy    one member out of an archive
            NumPy and .safetensors, both ways, keep dtypes and values bit for bit:
              .npy/.npz -> .safetensors, .safetensors -> .npz,
              .safetensors -> .npy   (one tensor, or IN.safetensors:NAME)
              .safetensors -> .safetensors keeps the metadata.
              (.safetensors is little-endian and row-major: big-endian or Fortran-ordered
              arrays come back little-endian, C order; bfloat16, which NumPy lacks,
              becomes float32 exactly.)
            Models:
              MLP .npz -> .h5        a Keras Sequential of Dense layers (Keras 3 layout;
                                     --keras 2 for tf-keras 2.x)
              .h5 -> .npz            the model's weights named layer/kernel, layer/bias;
                                     --layout mlp writes W1 b1 W2 b2 ... as the seed MLP
                                     did (dense models only)
              .h5 -> .safetensors    the model's weights named layer/kernel, layer/bias,
                                     float32
              .h5 -> .h5             rewrite in the Keras 3 or Keras 2 layout
                                     (optimizer state dropped)
              .keras -> .npz         the archive's weights named by their path
              .keras -> .safetensors (layers/dense/vars/0), float32
              .keras -> .keras       rewrite the archive (config and metadata as stored,
                                     weights as float32)
            An existing OUT is replaced only with --force. Writes are atomic. Arrays go
            one at a time; to stored .npz or .safetensors outputs, 8 MiB at a time.

            Examples:
              weightbridge convert ../shared/seed/mlp_weights.npz mlp.h5
              weightbridge convert ../shared/seed/cnn_model.h5 cnn_weights.npz
              weightbridge convert weights.npz:W1 W1.npy
              weightbridge convert weights.npz weights.safetensors
            """)

    enum Layout: String, ExpressibleByArgument { case keras, mlp }

    @Argument(help: ArgumentHelp("Input file (.npy, .npz, .safetensors, .h5; ARCHIVE.npz:NAME for one member).", valueName: "in"))
    var input: String
    @Argument(help: ArgumentHelp("Output file (.npy, .npz, .safetensors, .h5).", valueName: "out")) var output: String
    @Flag(help: "Deflate the members of an output .npz (np.savez_compressed).") var compress = false
    @Option(help: "Keras layout of an output .h5: 3 (Keras 3, default) or 2 (tf-keras 2.x).") var keras = 3
    @Option(help: "Names in an output .npz from a model: keras (layer/kernel) or mlp (W1 b1 ...).") var layout: Layout = .keras
    @Flag(help: "Replace OUT if it exists.") var force = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard keras == 2 || keras == 3 else { throw ValidationError("--keras must be 2 or 3") }
    }

    func run() throws {
        let limits = limitOptions.limits
        let out = try requireOutput(output)
        let outExt = out.pathExtension.lowercased()
        guard !outExt.isEmpty else {
            throw CLIError.badInput(
                file: output, reason: "has no extension; it says what to write (.npy, .npz, .safetensors, .keras or .h5)")
        }
        // ARCHIVE.npz:NAME or FILE.safetensors:NAME
        if !FileManager.default.fileExists(atPath: input), let (container, member) = memberReference(input) {
            guard FileKind.byExtension(out) == .npy else {
                throw CLIError.badOption("one archive member converts to a .npy file, not .\(outExt)")
            }
            let url = try requireFile(container, flag: "IN")
            if try FileKind.detect(url) == .safetensors {
                let file = try SafeTensorsFile(url: url, limits: limits)
                guard file.names.contains(member) else {
                    throw CLIError.badInput(
                        file: container, reason: "no tensor '\(member)' (tensors: \(file.names.joined(separator: ", ")))")
                }
                try NPYFile.write(try numpy(file.tensor(member), name: member), to: out, overwrite: force)
            } else {
                let archive = try NPZArchive(url: url, limits: limits)
                guard archive.names.contains(member) else {
                    throw CLIError.badInput(
                        file: container, reason: "no member '\(member)' (members: \(archive.names.joined(separator: ", ")))")
                }
                try archive.writeMemberAsNPY(member, to: out, overwrite: force)  // 8 MiB at a time
            }
            return done("\(input) -> \(output)")
        }
        let inURL = try requireFile(input, flag: "IN")
        guard let inKind = try FileKind.detect(inURL) else {
            throw CLIError.badInput(
                file: input, reason: "not a file WeightBridge reads (expected .npy, .npz, .safetensors, .keras or .h5 content)")
        }
        guard let outKind = FileKind.byExtension(out) else {
            throw CLIError.badOption("cannot convert to .\(outExt) (see weightbridge convert --help)")
        }
        switch (inKind, outKind) {
        // NumPy and .safetensors: stored outputs are copied piece by piece (memory stays at one 8 MiB piece whatever
        // the arrays' sizes); a deflated output holds one member and its compressed form at a time.
        case (.npy, .npz):
            let name = inURL.deletingPathExtension().lastPathComponent
            if compress {
                try NPZWriter.write([(name, try NPYFile.read(inURL, limits: limits))], to: out, compressed: true, overwrite: force)
            } else {
                try NPZWriter.write(names: [name], to: out, overwrite: force) { _ in try ArrayPieceReader.open(npy: inURL, limits: limits) }
            }
        case (.npz, .npz) where layout == .keras:
            let archive = try NPZArchive(url: inURL, limits: limits)
            let names = archive.names
            if compress {
                try NPZWriter.write(names: names, to: out, compressed: true, overwrite: force) { try archive.array(names[$0]) }
            } else {
                try NPZWriter.write(names: names, to: out, overwrite: force) { try archive.pieceReader(names[$0]) }
            }
        case (.npy, .safetensors):
            try writeSafeTensors(
                names: [inURL.deletingPathExtension().lastPathComponent], to: out,
                header: { _ in try ArrayPieceReader.open(npy: inURL, limits: limits).header },
                reader: { _ in try ArrayPieceReader.open(npy: inURL, limits: limits) },
                whole: { _ in try NPYFile.read(inURL, limits: limits) })
        case (.npz, .safetensors):
            let archive = try NPZArchive(url: inURL, limits: limits)
            try writeSafeTensors(
                names: archive.names, to: out, header: archive.header, reader: archive.pieceReader, whole: archive.array)
        case (.safetensors, .safetensors):
            let file = try SafeTensorsFile(url: inURL, limits: limits)
            let plans = try file.names.map { name -> SafeTensorsWriter.Plan in
                let e = try file.entry(name)
                return SafeTensorsWriter.Plan(name: name, dtype: e.dtype, shape: e.shape)
            }
            try SafeTensorsWriter.write(plans, metadata: file.metadata, to: out, overwrite: force) { plan, sink in
                try file.forEachPiece(ofBytes: plan.name, sink)
            }
        case (.safetensors, .npz):
            let file = try SafeTensorsFile(url: inURL, limits: limits)
            let names = file.names
            if compress {
                try NPZWriter.write(names: names, to: out, compressed: true, overwrite: force) {
                    try numpy(file.tensor(names[$0]), name: names[$0])
                }
            } else {
                // BF16 has no NumPy dtype: such a tensor is widened whole (`numpy`), the others copied piece by piece.
                try NPZWriter.write(names: names, to: out, overwrite: force) { i in
                    try file.pieceReader(names[i]) ?? ArrayPieceReader(array: try numpy(file.tensor(names[i]), name: names[i]))
                }
            }
        case (.safetensors, .npy):
            let file = try SafeTensorsFile(url: inURL, limits: limits)
            guard file.names.count == 1, let name = file.names.first else {
                throw CLIError.badOption("\(input) holds \(file.names.count) tensors; name one as \(input):NAME to write a .npy")
            }
            try NPYFile.write(try numpy(file.tensor(name), name: name), to: out, overwrite: force)
        case (.npz, .hdf5), (.hdf5, .hdf5), (.kerasArchive, .hdf5), (.npz, .kerasArchive), (.hdf5, .kerasArchive):
            // A model moves between formats through WeightBridge's own model (Keras layer names kept).
            let imported = try ModelFile.load(inURL, options: try modelOptions.importOptions(limits: limits))
            try ModelFile.save(
                imported.model, layerNames: inKind == .npz ? nil : imported.layerNames, to: out,
                flavor: keras == 2 ? .keras2 : .keras3, overwrite: force)
        case (.kerasArchive, .kerasArchive):
            // Rewrites the archive from what was read: config.json and metadata.json as stored, weights as float32.
            let archive = try KerasArchive.read(inURL, limits: limits, isolation: ReadH5Child.reader)
            try KerasArchive.write(
                configJSON: archive.configJSON, metadataJSON: archive.metadataJSON, weights: archive.weights, to: out, overwrite: force)
        case (.kerasArchive, .safetensors), (.hdf5, .safetensors):
            // One piece of a weight at a time, in the file's order, each written at its place (issue 15: peak memory
            // does not follow the weights' size).
            try Float32WeightStream.open(inURL, limits: limits, isolation: ReadH5Child.reader) { weights in
                let plans = zip(weights.names, weights.shapes).map { SafeTensorsWriter.Plan(name: $0, dtype: .float32, shape: $1) }
                try SafeTensorsWriter.write(plans, to: out, overwrite: force, inPlanOrder: { try weights.pieces($0, $1) })
            }
        case (.hdf5, .npz), (.npz, .npz), (.kerasArchive, .npz):
            if layout == .mlp {
                let imported = try ModelFile.load(inURL, options: try modelOptions.importOptions(limits: limits))
                try NPZWriter.write(
                    try MLPArchive.exportArrays(imported.model, path: output), to: out, compressed: compress, overwrite: force)
            } else {
                // Stored: one piece of a weight at a time (issue 15: peak memory does not follow the weights' size).
                // Deflated: one weight at a time, gathered behind its .npy header, and its compressed form.
                try Float32WeightStream.open(inURL, limits: limits, isolation: ReadH5Child.reader) { weights in
                    try NPZWriter.write(
                        names: weights.names, dtype: .float32, shapes: weights.shapes, to: out, compressed: compress, overwrite: force
                    ) { try weights.pieces($0, $1) }
                }
            }
        default:
            throw CLIError.badOption("cannot convert \(inKind.description) to .\(outExt) (see weightbridge convert --help)")
        }
        done("\(input) -> \(output)")
    }

    /// `ARCHIVE.npz:NAME` or `FILE.safetensors:NAME` split into the container path and the member name.
    private func memberReference(_ text: String) -> (container: String, member: String)? {
        for suffix in [".npz:", ".safetensors:"] {
            if let range = text.range(of: suffix) {
                return (String(text[..<range.lowerBound]) + suffix.dropLast(), String(text[range.upperBound...]))
            }
        }
        return nil
    }

    /// Writes the arrays `names` to the `.safetensors` file `out`: the headers first (`header`, no data), then each
    /// array piece by piece (`reader`), or whole (`whole`) when it is Fortran-ordered (`SafeTensorsWriter.canCopy`).
    private func writeSafeTensors(
        names: [String], to out: URL, header: (String) throws -> NPYHeader, reader: (String) throws -> ArrayPieceReader,
        whole: (String) throws -> NPYArray
    ) throws {
        let plans = try names.map { name -> SafeTensorsWriter.Plan in
            let h = try header(name)
            return SafeTensorsWriter.Plan(name: name, dtype: SafeTensorsDType(h.dtype.elementType), shape: h.shape)
        }
        try SafeTensorsWriter.write(plans, to: out, overwrite: force) { plan, sink in
            if SafeTensorsWriter.canCopy(try header(plan.name)) {
                try SafeTensorsWriter.copy(try reader(plan.name), to: sink)
            } else {
                try sink(try SafeTensor(try whole(plan.name)).data)
            }
        }
    }

    /// A tensor as a NumPy array with the same dtype; BF16 (which NumPy lacks) widens exactly to float32, with a note.
    private func numpy(_ tensor: SafeTensor, name: String) throws -> NPYArray {
        guard tensor.dtype == .bfloat16 else { return try tensor.npyArray(name: name) }
        printError("convert: note: '\(name)' is bfloat16, which NumPy has no dtype for; written as float32 (exact)")
        return try tensor.float32Array()
    }

    private func done(_ what: String) { printError("convert: \(what)") }
}
