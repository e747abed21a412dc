/// Keras' `LeakyReLU(alpha)`: `x` for `x > 0`, else `alpha * x`, elementwise.
final class LeakyReLU<Scalar: NNScalar>: InputCachingLayer {
    let alpha: Scalar
    let shape: [Int]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []
    var cachedInput: Tensor<Scalar>?

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

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        return inputGradient(gradient) { x, d in
            for i in d.indices where !(x[i] > 0) { d[i] *= alpha }
        }
    }
}
