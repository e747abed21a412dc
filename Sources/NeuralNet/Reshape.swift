/// Keras' `Reshape(target_shape)`: the same scalars in row-major order under a new per-example shape.
final class Reshape<Scalar: NNScalar>: Layer {
    let inputShape: [Int]
    let outputShape: [Int]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []

    init(inputShape: [Int], outputShape: [Int]) {
        self.inputShape = inputShape
        self.outputShape = outputShape
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        input.reshaped([input.count / max(outputShape.reduce(1, *), 1)] + outputShape)
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        return gradient.reshaped([gradient.shape[0]] + inputShape)
    }
}
