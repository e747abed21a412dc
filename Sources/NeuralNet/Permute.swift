/// Keras' `Permute(dims)`: reorders the axes of each example; output axis `i` is input axis `dims[i] - 1`.
/// The Keras bridge uses it to take channels-first (NCHW) inputs into NHWC and to flatten in Keras' stored order.
final class Permute<Scalar: NNScalar>: Layer {
    let inputShape: [Int]
    let dims: [Int]
    let outputShape: [Int]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []
    /// For each output position (row-major), the input position it reads.
    private let gather: [Int]

    init(inputShape: [Int], dims: [Int]) {
        self.inputShape = inputShape
        self.dims = dims
        outputShape = dims.map { inputShape[$0 - 1] }
        // Row-major strides of the input, taken in output axis order.
        var strides = [Int](repeating: 1, count: inputShape.count)
        for axis in stride(from: inputShape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * inputShape[axis + 1] }
        let outStrides = dims.map { strides[$0 - 1] }
        var gather = [Int](repeating: 0, count: inputShape.reduce(1, *))
        var index = [Int](repeating: 0, count: outputShape.count)
        for position in gather.indices {
            var source = 0
            for axis in index.indices { source += index[axis] * outStrides[axis] }
            gather[position] = source
            index.advanceRowMajor(within: outputShape)
        }
        self.gather = gather
    }

    /// Moves each example of `values` through the `gather` table: forward (`y[i] = x[gather[i]]`, the permutation)
    /// or, with `inverse`, back (`y[gather[i]] = x[i]`, its inverse, which is also its gradient).
    private func permuted(_ values: Tensor<Scalar>, inverse: Bool) -> Tensor<Scalar> {
        let size = gather.count
        let batch = values.count / max(size, 1)
        var result = [Scalar](repeating: 0, count: values.count)
        values.scalars.withUnsafeBufferPointer { x in
            result.withUnsafeMutableBufferPointer { y in
                gather.withUnsafeBufferPointer { g in
                    for n in 0..<batch {
                        let base = n * size
                        if inverse {
                            for i in 0..<size { y[base + g[i]] = x[base + i] }
                        } else {
                            for i in 0..<size { y[base + i] = x[base + g[i]] }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch] + (inverse ? inputShape : outputShape), scalars: result)
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> { permuted(input, inverse: false) }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        needsInputGradient ? permuted(gradient, inverse: true) : nil
    }
}
