import ArgumentParser
import Foundation
import WeightBridge

/// `weightbridge predict MODEL --input X.npy --output P.npy`.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model (.h5 or MLP .npz) on the arrays of an .npy or .npz file and save the outputs.",
        discussion: """
            X may be float32, float64 or uint8 (scaled by 1/255), shaped (N, 28, 28, 1), (N, 28, 28) or (N, 784): \
            any shape whose per-sample size matches the model's input. The output is (N, outputs), float32 for \
            float32 models (Keras) and float64 for float64 models (NumPy MLPs saved as float64).

            A model with several inputs takes --input X.npz whose members are named after the model's inputs \
            (inspect lists them); a model with several outputs writes --output P.npz keyed by the names of the \
            layers that produce them. One input and one output stay .npy (an .npz output holds one member).

            Example:
              weightbridge predict ../shared/seed/cnn_model.h5 --input x.npy --output p.npy
            """)

    @Argument(help: ArgumentHelp("The model: a Keras .h5 or an MLP .npz.", valueName: "model")) var model: String
    @Option(help: ArgumentHelp("Input samples (.npy, or .npz with one member per model input).", valueName: "file")) var input: String
    @Option(help: ArgumentHelp("Where to write the outputs (.npy, or .npz keyed by output name).", valueName: "file"))
    var output: String
    @Option(help: "Samples per forward batch.") var batchSize = 256
    @Flag(help: "Replace the output file if it exists.") var force = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard let kind = FileKind.byExtension(URL(fileURLWithPath: output)), kind == .npy || kind == .npz else {
            throw ValidationError("--output must end in .npy or .npz (got '\(output.printable())')")
        }
    }

    func run() throws {
        let limits = limitOptions.limits
        let out = try requireOutput(output)
        // oneDNN's first-product kernel generation (26 ms) runs while the model loads in its own process. The command
        // never ends before it does, error or not: exit's destructors running under oneDNN's JIT crashed the process
        // (SIGSEGV in malloc) when a bad model file failed fast.
        let warmUp = Prefetch<Void> { GEMMWarmUp.run() }
        defer { _ = warmUp.value() }
        // A single .npy input is read while the model loads in its own process (the isolated .h5 reader); 30 ms of
        // the 10,000 MNIST test images, otherwise spent after the reader's 35 ms.
        let inputPath = input
        let early = Prefetch<NPYArray> {
            let url = URL(fileURLWithPath: inputPath)
            try InputFile.check(url)  // A regular file (a FIFO is left to the usual path, which refuses it).
            return try FileKind.detect(url) == .npy ? try NPYFile.read(url, limits: limits) : nil
        }
        let imported = try modelOptions.load(model, limits: limits)
        let inURL = try requireFile(input, flag: "--input")
        let model = imported.model
        let names = model.inputNames
        var arrays: [NPYArray] = []
        if try FileKind.detect(inURL) == .npz {
            let archive = try NPZArchive(url: inURL, limits: limits)
            for name in names {
                let member = archive.names.contains(name) ? name : names.count == 1 && archive.names.count == 1 ? archive.names[0] : nil
                guard let member else {
                    throw CLIError.badInput(
                        file: input, reason: "has no member '\(name)' (the model's inputs are \(names.joined(separator: ", ")))")
                }
                arrays.append(try archive.array(member))
            }
        } else {
            guard names.count == 1 else {
                throw CLIError.badInput(
                    file: input,
                    reason:
                        "is one array, but the model has \(names.count) inputs (\(names.joined(separator: ", "))): give an .npz with a member for each"
                )
            }
            arrays = [try early.value() ?? NPYFile.read(inURL, limits: limits)]
        }
        var count: Int?
        for (x, shape) in zip(arrays, model.inputShapes) {
            let perSample = shape.reduce(1, *)
            guard let n = x.shape.first, x.shape.count >= 2 || perSample == 1, x.count == n * perSample, count == nil || count == n else {
                let expected = "(N, " + shape.map(String.init).joined(separator: ", ") + ")"
                if x.shape == shape {
                    throw CLIError.badInput(
                        file: input,
                        reason:
                            "shape \(numpyShape(x.shape)) is one sample without a batch axis; expected \(expected), e.g. x[None] in NumPy")
                }
                throw CLIError.badInput(
                    file: input,
                    reason: "shape \(numpyShape(x.shape)) does not hold samples of the model's input shape \(numpyShape(shape)); "
                        + "expected \(expected) or another shape of N samples of \(perSample) values")
            }
            count = n
        }
        let n = count ?? 0
        // uint8 pixels are scaled to [0, 1] as Keras pipelines do; other dtypes go to the model as they are.
        let inputs = try arrays.map { x in
            x.dtype.elementType == .uint8 || !Self.modelDTypes.contains(x.dtype.elementType)
                ? NPYArray(shape: x.shape, float32: try samples(x)) : x
        }
        let results = try model.predict(inputs, batchSize: batchSize)
        if FileKind.byExtension(out) == .npz {
            try NPZWriter.write(Array(zip(model.outputNames, results)).map { (name: $0, array: $1) }, to: out, overwrite: force)
        } else {
            guard results.count == 1 else {
                throw CLIError.badInput(
                    file: output,
                    reason: "the model has \(results.count) outputs (\(model.outputNames.joined(separator: ", "))): write them to an .npz")
            }
            try NPYFile.write(results[0], to: out, overwrite: force)
        }
        let shapes = results.map { ArrayComparison.describe(shape: $0.shape) }.joined(separator: ", ")
        printError("predict: \(n) samples -> \(output) \(shapes) \(model.precisionName)")
    }

    /// The dtypes passed to the model unchanged (converted to its precision by `LoadedModel.predict`).
    private static let modelDTypes: Set<NPYElementType> = [.float16, .float32, .float64]

    /// One input array's samples as Float32: float32/float16 as stored, float64 rounded, uint8 scaled by 1/255.
    private func samples(_ x: NPYArray) throws -> [Float] {
        switch x.dtype.elementType {
        case .uint8: return try x.uint8s().map { Float($0) / 255 }
        case .float64: return try x.doubles().map { Float($0) }
        case .float32, .float16: return try x.floats()
        default: throw CLIError.badInput(file: input, reason: "dtype \(x.dtype.descr) is not float32, float64 or uint8")
        }
    }
}

/// `(784,)`, `(10, 28, 28)`: a shape as NumPy prints it.
func numpyShape(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
