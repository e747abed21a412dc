import NeuralNet
import NumPyFormat

extension LoadedModel {
    /// Runs the model on a batch and returns each output as an array of the model's own precision: `<f4` for a
    /// float32 model (Keras files), `<f8` for a float64 one (NumPy MLPs saved as float64), of shape
    /// `[N] + modelOutputShapes[i]`. Read the values with `values(as: Float.self)` (one memory copy for a float32
    /// model) or keep the array to save it with `NPYFile`/`NPZWriter`.
    ///
    /// `inputs[i]` holds the N examples of input `i`, in the model's input order (`inputNames`): shape
    /// `[N] + inputShapes[i]`, or any shape whose first axis is N and whose elements are N examples of the
    /// input's size (a flat `[N, 784]` for `[28, 28, 1]`). Any element type: values convert to the model's
    /// precision as `values(as:)` does (float64 rounds for a float32 model; uint8 pixels are not rescaled).
    /// Every input must have the same N; N = 0 gives empty outputs. Throws `BridgeError.predictionInput` for a
    /// wrong number of inputs or a shape that does not hold N examples.
    public func predict(_ inputs: [NPYArray], batchSize: Int = 256) throws -> [NPYArray] {
        let count = try exampleCount(inputs)
        switch self {
        case .float32(let m): return try LoadedModel.run(m, inputs, count: count, batchSize: batchSize)
        case .float64(let m): return try LoadedModel.run(m, inputs, count: count, batchSize: batchSize)
        }
    }

    /// Runs a model of one input and one output on `x` (N examples, as for `predict(_:batchSize:)` with one array)
    /// and returns its output, `[N] + outputShape`, in the model's precision. Throws `BridgeError.predictionInput`
    /// for a model with several inputs or outputs (use the array form) and for a shape that holds no N examples.
    public func predict(_ x: NPYArray, batchSize: Int = 256) throws -> NPYArray {
        let outputs = graph.outputs.count
        guard outputs == 1 else {
            throw BridgeError.predictionInput(
                reason:
                    "the model has \(outputs) outputs (\(outputNames.joined(separator: ", "))); predict with an array of inputs returns each"
            )
        }
        return try predict([x], batchSize: batchSize)[0]
    }

    /// N, the examples every input holds; throws when the inputs do not fit the model.
    private func exampleCount(_ inputs: [NPYArray]) throws -> Int {
        let shapes = inputShapes
        guard inputs.count == shapes.count else {
            throw BridgeError.predictionInput(
                reason: "\(inputs.count) input arrays for a model of \(shapes.count) inputs (\(inputNames.joined(separator: ", ")))")
        }
        var count: Int?
        for (i, (x, shape)) in zip(inputs, shapes).enumerated() {
            let size = shape.reduce(1, *)
            guard let n = x.shape.first, x.count == n * size, count == nil || count == n else {
                let expected = "(N, " + shape.map(String.init).joined(separator: ", ") + ")"
                let reason =
                    count.map { "input '\(inputNames[i])' has shape \(shapeText(x.shape)), expected \($0) examples of \(shapeText(shape))" }
                    ?? "input '\(inputNames[i])' has shape \(shapeText(x.shape)), expected \(expected)"
                throw BridgeError.predictionInput(reason: reason)
            }
            count = n
        }
        return count ?? 0
    }

    /// `model` on `inputs` converted to its scalar type, outputs as arrays of that type.
    ///
    /// Inputs already of the model's scalar type (host byte order, C order: the float32 arrays a Keras model is
    /// given) are copied batch by batch by the cores that run them, so the whole input is never copied at once (31 MB
    /// and 25 ms single-threaded for the 10,000 MNIST test images). Others convert whole first.
    private static func run<S: NNScalar & NPYElement>(_ model: Model<S>, _ inputs: [NPYArray], count: Int, batchSize: Int) throws
        -> [NPYArray]
    {
        let shapes = model.graph.inputs.map(\.shape)
        let outputs: [Tensor<S>]
        if inputs.allSatisfy({ !$0.fortranOrder && $0.dtype.elementType == S.npyElementType && $0.dtype.isHostOrder }) {
            let widths = shapes.map { $0.reduce(1, *) }
            outputs = model.predict(count: count, batchSize: batchSize) { i, range in
                let width = widths[i]
                let scalars = inputs[i].data.withUnsafeBytes { raw in
                    [S](unsafeUninitializedCapacity: range.count * width) { buffer, initialized in
                        let source = raw.baseAddress! + range.lowerBound * width * MemoryLayout<S>.stride
                        UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
                            from: source, byteCount: range.count * width * MemoryLayout<S>.stride)
                        initialized = range.count * width
                    }
                }
                return Tensor(shape: [range.count] + shapes[i], scalars: scalars)
            }
        } else {
            let tensors = try zip(inputs, shapes).map { Tensor(shape: [count] + $1, scalars: try $0.values(as: S.self)) }
            outputs = model.predict(tensors, batchSize: batchSize)
        }
        return try outputs.map { try NPYArray(shape: $0.shape, values: $0.scalars) }
    }
}
