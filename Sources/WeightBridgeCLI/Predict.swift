import ArgumentParser
import Foundation
import WeightBridge

/// `weightbridge predict MODEL --input X.npy --output P.npy`.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model (.h5 or MLP .npz) on the arrays of an .npy file and save the outputs as .npy.",
        discussion: """
            X may be float32, float64 or uint8 (scaled by 1/255), shaped (N, 28, 28, 1), (N, 28, 28) or (N, 784): \
            any shape whose per-sample size matches the model's input. The output is (N, outputs), float32 for \
            float32 models (Keras) and float64 for float64 models (NumPy MLPs saved as float64).

            Example:
              weightbridge predict ../shared/seed/cnn_model.h5 --input x_test.npy --output probs.npy
            """)

    @Argument(help: ArgumentHelp("The model: a Keras .h5 or an MLP .npz.", valueName: "model")) var model: String
    @Option(help: ArgumentHelp("Input samples (.npy).", valueName: "file")) var input: String
    @Option(help: ArgumentHelp("Where to write the outputs: .npy, or .npz (one member named after the file).", valueName: "file"))
    var output: String
    @Option(help: "Samples per forward batch.") var batchSize = 256
    @Flag(help: "Replace the output file if it exists.") var force = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        let ext = URL(fileURLWithPath: output).pathExtension.lowercased()
        guard ext == "npy" || ext == "npz" else {
            throw ValidationError("--output must end in .npy or .npz (got '\(output.printable())')")
        }
    }

    func run() throws {
        let limits = limitOptions.limits
        let out = try requireOutput(output)
        let imported = try modelOptions.load(model, limits: limits)
        let inURL = try requireFile(input, flag: "--input")
        let x = try NPYFile.read(inURL, limits: limits)
        let inputShape = imported.model.inputShape
        let perSample = inputShape.reduce(1, *)
        guard let n = x.shape.first, x.shape.count >= 2 || perSample == 1, x.count == n * perSample else {
            let expected = "(N, " + inputShape.map(String.init).joined(separator: ", ") + ")"
            if x.shape == inputShape {
                throw CLIError.badInput(
                    path: input,
                    reason: "shape \(numpyShape(x.shape)) is one sample without a batch axis; expected \(expected), e.g. x[None] in NumPy")
            }
            throw CLIError.badInput(
                path: input,
                reason: "shape \(numpyShape(x.shape)) does not hold samples of the model's input shape \(numpyShape(inputShape)); "
                    + "expected \(expected) or another shape of N samples of \(perSample) values")
        }
        let outputs: [Double]
        switch x.dtype.elementType {
        case .uint8:
            let scaled = try x.uint8s().map { Float($0) / 255 }
            outputs = imported.model.predict(float32: scaled, count: n, batchSize: batchSize)
        case .float64:
            outputs = imported.model.predict(float64: try x.doubles(), count: n, batchSize: batchSize)
        case .float32, .float16:
            outputs = imported.model.predict(float32: try x.floats(), count: n, batchSize: batchSize)
        default:
            throw CLIError.badInput(path: input, reason: "dtype \(x.dtype.descr) is not float32, float64 or uint8")
        }
        let shape = [n] + imported.model.outputShape
        let array: NPYArray
        switch imported.model {
        case .float32: array = NPYArray(shape: shape, float32: outputs.map { Float($0) })
        case .float64: array = NPYArray(shape: shape, float64: outputs)
        }
        if out.pathExtension.lowercased() == "npz" {
            try NPZWriter.write([(out.deletingPathExtension().lastPathComponent, array)], to: out, overwrite: force)
        } else {
            try NPYFile.write(array, to: out, overwrite: force)
        }
        printError("predict: \(n) samples -> \(output) \(shape) \(imported.model.precisionName)")
    }
}

/// `(784,)`, `(10, 28, 28)`: a shape as NumPy prints it.
func numpyShape(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
