/// Keras' `PReLU`: `x` for `x >= 0`, else `alpha * x`, with `alpha` shaped as the example with the shared axes 1
/// (one learnt slope per position, shared along those axes). Parameter `[alpha]`.
final class PReLU<Scalar: NNScalar>: InputCachingLayer {
    let shape: [Int]
    var parameters: [Tensor<Scalar>]
    private(set) var gradients: [Tensor<Scalar>]
    /// Per example offset, the index of its alpha.
    private let alphaIndex: [Int]
    var cachedInput: Tensor<Scalar>?

    /// `sharedAxes` are Keras axes (1-based, batch excluded).
    init(shape: [Int], sharedAxes: [Int]) {
        self.shape = shape
        let alphaShape = shape.indices.map { sharedAxes.contains($0 + 1) ? 1 : shape[$0] }
        parameters = [Tensor(zeros: alphaShape)]
        gradients = [Tensor(zeros: alphaShape)]
        // The alpha of an example offset: its multi-index with shared axes set to 0, row-major in alphaShape.
        let count = shape.reduce(1, *)
        var index = [Int](repeating: 0, count: shape.count)
        var table = [Int](repeating: 0, count: count)
        for offset in 0..<count {
            var a = 0
            for axis in shape.indices { a = a * alphaShape[axis] + (alphaShape[axis] == 1 ? 0 : index[axis]) }
            table[offset] = a
            index.advanceRowMajor(within: shape)
        }
        alphaIndex = table
    }

    var outputShape: [Int] { shape }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        var output = input
        let size = alphaIndex.count
        parameters[0].scalars.withUnsafeBufferPointer { alpha in
            alphaIndex.withUnsafeBufferPointer { table in
                output.scalars.withUnsafeMutableBufferPointer { y in
                    for i in y.indices where y[i] < 0 { y[i] *= alpha[table[i % size]] }
                }
            }
        }
        return output
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        let size = alphaIndex.count
        let alpha = parameters[0].scalars
        var dAlpha = [Scalar](repeating: 0, count: alpha.count)
        guard
            let dx = inputGradient(
                gradient,
                { x, d in
                    for i in d.indices where x[i] < 0 {
                        let a = alphaIndex[i % size]
                        dAlpha[a] += d[i] * x[i]
                        d[i] *= alpha[a]
                    }
                })
        else { return nil }
        gradients = [Tensor(shape: parameters[0].shape, scalars: dAlpha)]
        return needsInputGradient ? dx : nil
    }
}
