import NeuralNet

/// The formula weights of `Fixtures/generate/nn_fixtures.py` (and of the Keras side of the tiled-predict
/// parity tests), rebuilt exactly in Swift: integer arithmetic, one division and one multiplication in
/// Double, then rounding to Float. Kernels follow Glorot's limit for their fan-in and fan-out, so the
/// activations stay in a realistic range.
enum FormulaWeights {
    /// Sets every weighted layer of `model` to the formula weights.
    static func apply(to model: Sequential<Float>) throws {
        for layer in model.specs.indices where model.parameterCounts[layer] > 0 {
            let shapes = model.weights(layer: layer).map(\.shape)
            let kernelShape = shapes[0]
            let receptive = kernelShape.count == 4 ? kernelShape[0] * kernelShape[1] : 1
            let fanIn = receptive * kernelShape[kernelShape.count - 2]
            let fanOut = receptive * kernelShape[kernelShape.count - 1]
            let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
            let kernel = (0..<kernelShape.reduce(1, *)).map { (i: Int) -> Float in
                Float(Double((i * 7919) % 2003 - 1001) / 1001.0 * limit)
            }
            let bias = (0..<shapes[1][0]).map { (j: Int) -> Float in Float(Double((j * 31) % 17 - 8) / 80.0) }
            try model.setWeights(layer: layer, [Tensor(shape: kernelShape, scalars: kernel), Tensor(shape: shapes[1], scalars: bias)])
        }
    }
}
