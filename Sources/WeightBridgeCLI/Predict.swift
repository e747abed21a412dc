import ArgumentParser
import Foundation
import WeightBridge

/// Options that give a model file its meaning (`--architecture`, `--activations`, `--orientation`).
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Architecture for a weights-only .h5: a Keras model JSON (to_json), YAML (to_yaml) or a full-model .h5.", valueName: "file"))
    var architecture: String?

    @Option(help: ArgumentHelp("Activations of an MLP .npz's layers, comma-separated (relu,sigmoid,tanh,softmax,linear). Default: relu on hidden layers, softmax on the output.", valueName: "list"))
    var activations: String?

    @Option(help: ArgumentHelp("Orientation of an MLP .npz's weight matrices when ambiguous: in,out or out,in.", valueName: "order"))
    var orientation: String?

    @Option(help: ArgumentHelp("Backend a Keras file's weights were trained under when the file does not record it (Keras 1): theano (convolution kernels are flipped) or tensorflow.", valueName: "name"))
    var backend: String?

    @Option(help: ArgumentHelp("Input shape without the batch axis, comma-separated (e.g. 28,28,1), when the architecture declares none.", valueName: "dims"))
    var inputShape: String?

    func importOptions(limits: ResourceLimits = .default) throws -> ModelFile.ImportOptions {
        var o = ModelFile.ImportOptions(limits: limits)
        if let architecture { o.architecture = try requireFile(architecture, flag: "--architecture") }
        if let activations {
            o.activations = try activations.split(separator: ",").map {
                guard let a = Activation(rawValue: $0.trimmingCharacters(in: .whitespaces)) else {
                    throw CLIError.badOption("--activations: unknown activation '\($0)' (use relu, sigmoid, tanh, softmax, linear)")
                }
                return a
            }
        }
        if let orientation {
            guard let v = MLPArchive.Orientation(rawValue: orientation) else {
                throw CLIError.badOption("--orientation: '\(orientation)' is neither in,out nor out,in")
            }
            o.orientation = v
        }
        if let backend {
            guard ["theano", "tensorflow"].contains(backend) else {
                throw CLIError.badOption("--backend: '\(backend)' is neither theano nor tensorflow")
            }
            o.backend = backend
        }
        if let inputShape {
            let dims = inputShape.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw CLIError.badOption("--input-shape: '\(inputShape)' is not a list of positive integers such as 28,28,1")
            }
            o.inputShape = dims.compactMap { $0 }
        }
        return o
    }

    func load(_ path: String, flag: String = "the MODEL argument", limits: ResourceLimits = .default) throws -> ImportedModel {
        try ModelFile.load(try requireFile(path, flag: flag), options: try importOptions(limits: limits))
    }
}

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
    @Option(help: ArgumentHelp("Where to write the outputs (.npy).", valueName: "file")) var output: String
    @Option(help: "Samples per forward batch.") var batchSize = 256
    @Flag(help: "Replace the output file if it exists.") var force = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        let limits = limitOptions.limits
        let imported = try modelOptions.load(model, limits: limits)
        let inURL = try requireFile(input, flag: "--input")
        let x = try NPYFile.read(inURL, limits: limits)
        let perSample = imported.model.inputShape.reduce(1, *)
        guard let n = x.shape.first, x.shape.count >= 2 || perSample == 1, x.count == n * perSample else {
            throw CLIError.badInput(path: input, reason: "shape \(x.shape) does not hold samples of the model's input shape \(imported.model.inputShape)")
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
        try NPYFile.write(array, to: URL(fileURLWithPath: output), overwrite: force)
        printError("predict: \(n) samples -> \(output) \(shape) \(imported.model.precisionName)")
    }
}
