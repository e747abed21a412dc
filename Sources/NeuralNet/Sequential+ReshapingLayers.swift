extension Sequential {
    /// Builds the layers added for imported Keras models (pooling variants, cropping, padding, reshape, permute,
    /// LeakyReLU, batch normalisation); throws `NeuralNetError` for impossible shapes or parameters.
    static func makeReshapingLayer(_ spec: LayerSpec, index: Int, input: [Int]) throws -> any Layer<Scalar> {
        func impossible(_ reason: String) -> NeuralNetError {
            .impossibleShape(layer: index, spec: "\(spec)", input: input, reason: reason)
        }
        switch spec {
        case .averagePool2D(let ph, let pw, let sh, let sw, let padding):
            let g = try windowGeometry(
                "AveragePool2D", window: "pool", ph, pw, sh, sw, padding, spec: spec, index: index, input: input, poolingWindow: true)
            return AveragePool2D<Scalar>(geometry: g)
        case .globalAveragePool2D, .globalMaxPool2D:
            guard input.count == 3 else { throw impossible("global pooling needs (height, width, channels) input") }
            return GlobalPool2D<Scalar>(inputShape: input, maximum: spec == .globalMaxPool2D)
        case .cropping2D(let top, let bottom, let left, let right):
            guard input.count == 3 else { throw impossible("Cropping2D needs (height, width, channels) input") }
            guard min(top, bottom, left, right) >= 0, top + bottom < input[0], left + right < input[1] else {
                throw impossible("cannot crop (\(top), \(bottom), \(left), \(right))")
            }
            return Window2D<Scalar>(inputShape: input, top: -top, bottom: -bottom, left: -left, right: -right)
        case .zeroPadding2D(let top, let bottom, let left, let right):
            guard input.count == 3 else { throw impossible("ZeroPadding2D needs (height, width, channels) input") }
            guard min(top, bottom, left, right) >= 0 else { throw impossible("padding must not be negative") }
            return Window2D<Scalar>(inputShape: input, top: top, bottom: bottom, left: left, right: right)
        case .reshape(let shape):
            guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) == input.reduce(1, *) else {
                throw impossible("cannot reshape to \(shape)")
            }
            return Reshape<Scalar>(inputShape: input, outputShape: shape)
        case .permute(let dims):
            guard dims.sorted() == Array(1...max(input.count, 1)), dims.count == input.count else {
                throw impossible("\(dims) is not a permutation of the input's \(input.count) axes (1-based)")
            }
            return Permute<Scalar>(inputShape: input, dims: dims)
        case .leakyReLU(let alpha):
            guard alpha.isFinite else { throw NeuralNetError.invalidParameter(layer: index, reason: "LeakyReLU alpha \(alpha)") }
            return LeakyReLU<Scalar>(alpha: Scalar(alpha), shape: input)
        case .batchNormalization(let epsilon):
            guard epsilon >= 0, epsilon.isFinite, let channels = input.last else {
                throw NeuralNetError.invalidParameter(layer: index, reason: "BatchNormalization epsilon \(epsilon) on \(input)")
            }
            return BatchNormalization<Scalar>(shape: input, channels: channels, epsilon: Scalar(epsilon))
        case .dense, .conv2D, .maxPool2D, .flatten, .dropout, .activation:
            return try makeLayer(spec, index: index, input: input)
        }
    }
}
