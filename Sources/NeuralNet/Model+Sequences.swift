import ModelSpec

/// The runtime form of 1-D layers: an NHWC kernel on the sequence viewed as an image one row high.
extension Model {
    /// `make`'s layer (given the (1, steps, channels) image shape) run on a (steps, channels) sequence, or a
    /// (channels, steps) one transposed around it when `format` is channels-first; reshaped to `output` at the end
    /// (which only renames axes of length 1, e.g. a global pool with `keepdims`).
    static func temporal(_ format: DataFormat, input: [Int], output: [Int], _ make: ([Int]) -> any Layer<Scalar>) -> Operation {
        var parts: [any Layer<Scalar>] = []
        var sequence = input
        if format == .channelsFirst {
            parts.append(Permute<Scalar>(inputShape: input, dims: [2, 1]))
            sequence = [input[1], input[0]]
        }
        let image = [1] + sequence
        parts.append(Reshape<Scalar>(inputShape: sequence, outputShape: image))
        let inner = make(image)
        parts.append(inner)
        var shape = inner.outputShape
        if shape.count == 3 {
            parts.append(Reshape<Scalar>(inputShape: shape, outputShape: [shape[1], shape[2]]))
            shape = [shape[1], shape[2]]
            if format == .channelsFirst {
                parts.append(Permute<Scalar>(inputShape: shape, dims: [2, 1]))
                shape = [shape[1], shape[0]]
            }
        }
        if shape != output { parts.append(Reshape<Scalar>(inputShape: shape, outputShape: output)) }
        return .unary(CompositeLayer(parts))
    }
}
