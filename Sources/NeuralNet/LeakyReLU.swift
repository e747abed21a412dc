/// Keras' `LeakyReLU(alpha)`: `x` for `x > 0`, else `alpha * x`, elementwise.
final class LeakyReLU<Scalar: NNScalar>: Layer {
    let alpha: Scalar
    let shape: [Int]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []
    private var cachedInput: Tensor<Scalar>?

    init(alpha: Scalar, shape: [Int]) {
        self.alpha = alpha
        self.shape = shape
    }

    var outputShape: [Int] { shape }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        var output = input
        output.scalars.withUnsafeMutableBufferPointer { y in
            for i in y.indices where y[i] < 0 { y[i] *= alpha }
        }
        return output
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        cachedInput = input
        return infer(input)
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient, let input = cachedInput else { return nil }
        var dx = gradient
        input.scalars.withUnsafeBufferPointer { x in
            dx.scalars.withUnsafeMutableBufferPointer { d in
                for i in d.indices where !(x[i] > 0) { d[i] *= alpha }
            }
        }
        return dx
    }
}
