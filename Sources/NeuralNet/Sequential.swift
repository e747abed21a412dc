import Dispatch

/// A stack of layers applied in order, like `keras.Sequential`, generic over `Float` and `Double`.
///
/// Layouts are Keras': NHWC activations, Dense kernels (in, out), Conv2D kernels HWIO, biases (out). Shapes given
/// and reported here exclude the batch axis; `predict` takes and returns tensors with the batch axis first.
public final class Sequential<Scalar: NNScalar> {
    /// The shape of one example, e.g. [28, 28, 1] or [784].
    public let inputShape: [Int]
    /// The layer configurations, in order.
    public let specs: [LayerSpec]
    let layers: [any Layer<Scalar>]
    /// Extra copies of the layers for data-parallel training (one per additional worker), built on first use;
    /// they share the weights of `layers` during a step.
    var replicas: [[any Layer<Scalar>]] = []

    /// Builds the layers and checks every shape; throws `NeuralNetError` for impossible shapes or parameters
    /// (a window larger than a valid-padded input, Dense on a rank-3 input, zero units, dropout rate outside [0, 1)).
    public init(inputShape: [Int], layers specs: [LayerSpec]) throws {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw NeuralNetError.invalidParameter(layer: -1, reason: "input shape \(inputShape) must have positive dimensions")
        }
        self.inputShape = inputShape
        self.specs = specs
        layers = try Sequential.buildLayers(specs, inputShape: inputShape)
    }

    /// Builds (and shape-checks) one layer object per spec.
    static func buildLayers(_ specs: [LayerSpec], inputShape: [Int]) throws -> [any Layer<Scalar>] {
        var shape = inputShape
        var built: [any Layer<Scalar>] = []
        for (index, spec) in specs.enumerated() {
            let layer = try Sequential.makeLayer(spec, index: index, input: shape)
            built.append(layer)
            shape = layer.outputShape
        }
        return built
    }

    /// The geometry of a sliding-window layer (convolution or pooling), after checking that sizes and strides are
    /// positive, the input is (height, width, channels) and the window fits; with `poolingWindow`, also that no
    /// `same`-padded window lies wholly in the padding (it would have no value to pool).
    static func windowGeometry(
        _ name: String, window: String, _ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ padding: Padding, spec: LayerSpec, index: Int,
        input: [Int], poolingWindow: Bool
    ) throws -> ConvolutionGeometry {
        func impossible(_ reason: String) -> NeuralNetError {
            .impossibleShape(layer: index, spec: "\(spec)", input: input, reason: reason)
        }
        guard kh > 0, kw > 0, sh > 0, sw > 0 else {
            throw NeuralNetError.invalidParameter(layer: index, reason: "\(name) \(window) size and strides must be positive")
        }
        guard input.count == 3 else { throw impossible("\(name) needs (height, width, channels) input") }
        guard
            let g = ConvolutionGeometry(input: input, kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw, padding: padding)
        else { throw impossible("\(window) \(kh)x\(kw) does not fit with \(padding) padding") }
        if poolingWindow && padding == .same && (kh <= g.padTop || kw <= g.padLeft) {
            throw impossible("\(window) \(kh)x\(kw) windows would lie wholly in the padding")
        }
        return g
    }

    static func makeLayer(_ spec: LayerSpec, index: Int, input: [Int]) throws -> any Layer<Scalar> {
        func impossible(_ reason: String) -> NeuralNetError {
            .impossibleShape(layer: index, spec: "\(spec)", input: input, reason: reason)
        }
        switch spec {
        case .dense(let units, let activation, let useBias):
            guard units > 0 else { throw NeuralNetError.invalidParameter(layer: index, reason: "Dense units \(units) must be positive") }
            guard input.count == 1 else { throw impossible("Dense needs a rank-1 input per example; add a Flatten layer") }
            return Dense<Scalar>(inputUnits: input[0], units: units, activation: activation, useBias: useBias)
        case .conv2D(let filters, let kh, let kw, let sh, let sw, let padding, let activation, let useBias):
            guard filters > 0 else { throw NeuralNetError.invalidParameter(layer: index, reason: "Conv2D filters must be positive") }
            let g = try windowGeometry(
                "Conv2D", window: "kernel", kh, kw, sh, sw, padding, spec: spec, index: index, input: input, poolingWindow: false)
            return Conv2D<Scalar>(geometry: g, filters: filters, activation: activation, useBias: useBias)
        case .maxPool2D(let ph, let pw, let sh, let sw, let padding):
            let g = try windowGeometry("MaxPool2D", window: "pool", ph, pw, sh, sw, padding, spec: spec, index: index, input: input, poolingWindow: true)
            guard g.imageSize <= Int(Int32.max) else { throw impossible("images of \(g.imageSize) values are too large to pool") }
            return MaxPool2D<Scalar>(geometry: g)
        case .flatten:
            return Flatten<Scalar>(inputShape: input)
        case .dropout(let rate):
            guard rate >= 0, rate < 1 else {
                throw NeuralNetError.invalidParameter(layer: index, reason: "Dropout rate \(rate) must be in [0, 1)")
            }
            return Dropout<Scalar>(rate: rate, shape: input)
        case .activation(let activation):
            return ActivationLayer<Scalar>(activation: activation, shape: input)
        default:
            return try makeReshapingLayer(spec, index: index, input: input)
        }
    }

    /// Output shape of each layer, without the batch axis.
    public var outputShapes: [[Int]] { layers.map(\.outputShape) }
    /// Number of trainable scalars in each layer.
    public var parameterCounts: [Int] { layers.map { $0.parameters.reduce(0) { $0 + $1.count } } }
    /// Total number of trainable scalars.
    public var parameterCount: Int { parameterCounts.reduce(0, +) }
    /// The shape of one output example.
    public var outputShape: [Int] { layers.last?.outputShape ?? inputShape }

    /// Layer `index`'s weights in Keras order and shapes: [kernel, bias] (no bias if `useBias` is false); [] for
    /// weightless layers.
    public func weights(layer index: Int) -> [Tensor<Scalar>] { layers[index].parameters }

    /// Replaces layer `index`'s weights; throws `NeuralNetError.weightCount`/`.weightShape` naming the layer and the
    /// expected and found shapes, leaving the model unchanged.
    public func setWeights(layer index: Int, _ weights: [Tensor<Scalar>]) throws {
        guard layers.indices.contains(index) else {
            throw NeuralNetError.invalidParameter(layer: index, reason: "no such layer (model has \(layers.count))")
        }
        let current = layers[index].parameters
        guard current.count == weights.count else {
            throw NeuralNetError.weightCount(layer: index, expected: current.count, found: weights.count)
        }
        for (i, (old, new)) in zip(current, weights).enumerated() where old.shape != new.shape {
            throw NeuralNetError.weightShape(layer: index, index: i, expected: old.shape, found: new.shape)
        }
        layers[index].parameters = weights
    }

    /// Sets every kernel from `kernel` with a generator seeded by `seed` and every bias to zero. The same seed gives
    /// bit-identical weights; layers are filled in order, each kernel row-major in its Keras shape.
    public func initialize(seed: UInt64, kernel: Initializer = .glorotUniform) {
        var generator = SeededGenerator(seed: seed)
        for layer in layers where !layer.parameters.isEmpty {
            if let normalization = layer as? BatchNormalization<Scalar> {
                normalization.reset()
                continue
            }
            var parameters = layer.parameters
            let shape = parameters[0].shape
            let (fanIn, fanOut): (Int, Int)
            if shape.count == 4 {
                let receptive = shape[0] * shape[1]
                (fanIn, fanOut) = (receptive * shape[2], receptive * shape[3])
            } else {
                (fanIn, fanOut) = (shape[0], shape[1])
            }
            parameters[0].scalars = kernel.sample(count: parameters[0].count, fanIn: fanIn, fanOut: fanOut, generator: &generator)
            for i in 1..<parameters.count { parameters[i] = Tensor(zeros: parameters[i].shape) }
            layer.parameters = parameters
        }
    }

    /// Runs inference on `input` of shape [N] + `inputShape`, `batchSize` examples at a time, and returns
    /// [N] + the output shape. Dropout is the identity. Traps if the input shape does not match (a programming error).
    /// The batches are shared out over the machine's cores (OpenBLAS is held at one thread meanwhile), and each
    /// batch goes through the image layers in tiles of `imageTile` examples (see `inferTiled`).
    public func predict(_ input: Tensor<Scalar>, batchSize: Int = 256) -> Tensor<Scalar> {
        precondition(Array(input.shape.dropFirst()) == inputShape, "predict: input shape \(input.shape) does not match [N] + \(inputShape)")
        let n = input.shape.first ?? 0
        let outShape = outputShape
        let outWidth = outShape.reduce(1, *)
        let inWidth = inputShape.reduce(1, *)
        if n == 0 { return Tensor(shape: [0] + outShape, scalars: []) }
        // Small inputs are still split so that every core gets a share; results do not depend on the batch size.
        let step = max(1, min(batchSize, (n + BLASThreads.workers - 1) / BLASThreads.workers))
        let chunks = (n + step - 1) / step
        var output: [Scalar] = uninitializedArray(n * outWidth)
        input.scalars.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { out in
                let x = source.baseAddress!
                let base = out.baseAddress!
                BLASThreads.withSingleThreadedBLAS {
                    // Dispatch hands the batches to the cores one at a time as they free up, so no core idles
                    // while the other still has a queue.
                    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                        let start = chunk * step
                        let end = min(start + step, n)
                        inferTiled(x + start * inWidth, count: end - start, into: base + start * outWidth)
                    }
                }
            }
        }
        return Tensor(shape: [n] + outShape, scalars: output)
    }

    /// Examples per pass through the image layers in `predict`: few enough that a tile's activations and patch
    /// matrices stay in a core's cache, and fewer than `splitAcrossCores` splits (the cores already run one
    /// batch each).
    static var imageTile: Int { 8 }

    /// The number of leading layers that see images (rank-3 inputs or outputs), which `inferTiled` runs tile by
    /// tile; the layers after them (Dense heads) run on the whole batch so that their GEMMs stay large.
    var imageLayerCount: Int {
        var shape = inputShape
        for (index, layer) in layers.enumerated() {
            if shape.count != 3 && layer.outputShape.count != 3 { return index }
            shape = layer.outputShape
        }
        return layers.count
    }

    /// Inference on `count` examples at `input` (row-major, `inputShape` each), written to `output`: the image
    /// layers tile by tile, then the remaining layers on the whole batch.
    func inferTiled(_ input: UnsafePointer<Scalar>, count: Int, into output: UnsafeMutablePointer<Scalar>) {
        let inWidth = inputShape.reduce(1, *)
        func slice(_ pointer: UnsafePointer<Scalar>, _ rows: Int, _ shape: [Int]) -> Tensor<Scalar> {
            var scalars: [Scalar] = uninitializedArray(rows * shape.reduce(1, *))
            scalars.withUnsafeMutableBufferPointer { copy(pointer, to: $0.baseAddress!, count: $0.count) }
            return Tensor(shape: [rows] + shape, scalars: scalars)
        }
        let prefix = imageLayerCount
        var x: Tensor<Scalar>
        if prefix == 0 || count <= Sequential.imageTile {
            x = inferImageLayers(slice(input, count, inputShape), count: prefix)
        } else {
            let featureShape = layers[prefix - 1].outputShape
            let featureWidth = featureShape.reduce(1, *)
            var features: [Scalar] = uninitializedArray(count * featureWidth)
            features.withUnsafeMutableBufferPointer { f in
                for start in stride(from: 0, to: count, by: Sequential.imageTile) {
                    let rows = min(Sequential.imageTile, count - start)
                    let tile = inferImageLayers(slice(input + start * inWidth, rows, inputShape), count: prefix)
                    tile.scalars.withUnsafeBufferPointer {
                        copy($0.baseAddress!, to: f.baseAddress! + start * featureWidth, count: $0.count)
                    }
                }
            }
            x = Tensor(shape: [count] + featureShape, scalars: features)
        }
        for layer in layers[prefix...] { x = layer.infer(x) }
        x.scalars.withUnsafeBufferPointer { copy($0.baseAddress!, to: output, count: $0.count) }
    }

    /// Inference through the first `count` layers; a Conv2D followed by a MaxPool2D pools the raw convolution
    /// and then adds the bias and activates, when that gives the same values (`Conv2D.commutesWithMaxPool`).
    func inferImageLayers(_ batch: Tensor<Scalar>, count: Int) -> Tensor<Scalar> {
        var x = batch
        var index = 0
        while index < count {
            if index + 1 < count, let conv = layers[index] as? Conv2D<Scalar>, conv.commutesWithMaxPool,
                let pool = layers[index + 1] as? MaxPool2D<Scalar>
            {
                x = pool.infer(conv.inferRaw(x))
                conv.addBiasAndActivate(&x)
                index += 2
            } else {
                x = layers[index].infer(x)
                index += 1
            }
        }
        return x
    }

    /// One inference pass through every layer on a batch.
    func infer(_ batch: Tensor<Scalar>) -> Tensor<Scalar> {
        var x = batch
        for layer in layers { x = layer.infer(x) }
        return x.reshaped([batch.shape[0]] + outputShape)
    }
}
