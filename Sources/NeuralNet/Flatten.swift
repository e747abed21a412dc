/// Flattens each example to one axis in row-major (height, width, channels) order, as Keras' `Flatten` does for
/// channels-last data. A pure reshape: no copy of the scalars.
final class Flatten<Scalar: NNScalar>: Layer {
    let inputShape: [Int]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []

    init(inputShape: [Int]) { self.inputShape = inputShape }

    var outputShape: [Int] { [inputShape.reduce(1, *)] }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let width = outputShape[0]
        return input.reshaped([input.count / width, width])
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        return gradient.reshaped([gradient.shape[0]] + inputShape)
    }
}
