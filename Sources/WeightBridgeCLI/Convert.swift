import ArgumentParser
import Foundation
import WeightBridge

/// `weightbridge convert IN OUT`: between .npy, .npz and Keras .h5.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert between .npy, .npz and Keras .h5 files.",
        discussion: """
            NumPy to NumPy keeps every array's dtype, byte order, shape and order exactly:
              .npy -> .npz          one member named after the file's stem
              .npz -> .npz          repack, stored (default) or deflated (--compress)
              IN.npz:NAME -> .npy   one member out of an archive
            Models:
              MLP .npz -> .h5       a Keras Sequential of Dense layers (Keras 3 layout; --keras 2 for tf-keras 2.x)
              .h5 -> .npz           the model's weights named layer/kernel, layer/bias; --layout mlp writes
                                    W1 b1 W2 b2 ... as the seed MLP did (dense models only)
              .h5 -> .h5            rewrite in the Keras 3 or Keras 2 layout (optimizer state dropped)
            An existing OUT is replaced only with --force. Writes are atomic.

            Examples:
              weightbridge convert ../shared/seed/mlp_weights.npz mlp.h5
              weightbridge convert ../shared/seed/cnn_model.h5 cnn_weights.npz
              weightbridge convert weights.npz:W1 W1.npy
            """)

    enum Layout: String, ExpressibleByArgument { case keras, mlp }

    @Argument(help: ArgumentHelp("Input file (.npy, .npz, .h5; ARCHIVE.npz:NAME for one member).", valueName: "in")) var input: String
    @Argument(help: ArgumentHelp("Output file (.npy, .npz, .h5).", valueName: "out")) var output: String
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
            throw CLIError.badInput(path: output, reason: "has no extension; it says what to write (.npy, .npz or .h5)")
        }
        // ARCHIVE.npz:NAME
        if let range = input.range(of: ".npz:"), !FileManager.default.fileExists(atPath: input) {
            let archivePath = String(input[..<range.lowerBound]) + ".npz"
            let member = String(input[range.upperBound...])
            let archive = try NPZArchive(url: try requireFile(archivePath, flag: "IN"), limits: limits)
            guard archive.names.contains(member) else {
                throw CLIError.badInput(
                    path: archivePath, reason: "no member '\(member)' (members: \(archive.names.joined(separator: ", ")))")
            }
            guard outExt == "npy" else { throw CLIError.badOption("one archive member converts to a .npy file, not .\(outExt)") }
            try NPYFile.write(try archive.array(member), to: out, overwrite: force)
            return done("\(input) -> \(output)")
        }
        let inURL = try requireFile(input, flag: "IN")
        let inExt = inURL.pathExtension.lowercased()
        switch (inExt, outExt) {
        case ("npy", "npz"):
            let a = try NPYFile.read(inURL, limits: limits)
            try NPZWriter.write([(inURL.deletingPathExtension().lastPathComponent, a)], to: out, compressed: compress, overwrite: force)
        case ("npz", "npz") where layout == .keras:
            let archive = try NPZArchive(url: inURL, limits: limits)
            // Repacking keeps raw bytes; NPZWriter takes the arrays in order.
            let arrays = try archive.names.map { ($0, try archive.array($0)) }
            try NPZWriter.write(arrays, to: out, compressed: compress, overwrite: force)
        case ("npz", "h5"), ("npz", "hdf5"), ("h5", "h5"), ("hdf5", "h5"), ("h5", "hdf5"), ("hdf5", "hdf5"):
            let imported = try ModelFile.load(inURL, options: try modelOptions.importOptions(limits: limits))
            try ModelFile.save(
                imported.model, layerNames: ModelFile.isKeras(inURL) ? imported.layerNames : nil, to: out,
                flavor: keras == 2 ? .keras2 : .keras3, overwrite: force)
        case ("h5", "npz"), ("hdf5", "npz"), ("npz", "npz"):
            if layout == .mlp {
                let imported = try ModelFile.load(inURL, options: try modelOptions.importOptions(limits: limits))
                try NPZWriter.write(
                    try MLPArchive.exportArrays(imported.model, path: output), to: out, compressed: compress, overwrite: force)
            } else {
                let arrays = try NamedArray.readAll(inURL, limits: limits).map { a -> (name: String, array: NPYArray) in
                    (a.name, NPYArray(shape: a.shape, float32: a.values.map { Float($0) }))
                }
                try NPZWriter.write(arrays, to: out, compressed: compress, overwrite: force)
            }
        default:
            throw CLIError.badOption("cannot convert .\(inExt) to .\(outExt) (see weightbridge convert --help)")
        }
        done("\(input) -> \(output)")
    }

    private func done(_ what: String) { printError("convert: \(what)") }
}
