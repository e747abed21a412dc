/// Keras' standalone `Activation` layer: applies one `Activation` to its input (softmax over the last axis).
/// Activations that are not a function of their output alone (silu, gelu, ...) are differentiated from the cached
/// input instead.
final class ActivationLayer<Scalar: NNScalar>: Layer {
    let activation: Activation
    let shape: [Int]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []
    private var cachedOutput: Tensor<Scalar>?
    private var cachedInput: Tensor<Scalar>?

    init(activation: Activation, shape: [Int]) {
        self.activation = activation
        self.shape = shape
    }

    var outputShape: [Int] { shape }
    var finalActivation: Activation { activation }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        var output = input
        let width = shape.last ?? 1
        output.scalars.withUnsafeMutableBufferPointer { activation.apply($0, width: width) }
        return output
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        let output = infer(input)
        if activation.hasBackwardFromOutput { cachedOutput = output } else { cachedInput = input }
        return output
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        guard !gradientIsPreActivation else { return gradient }
        var dx = Tensor<Scalar>(shape: [0], scalars: [])
        swap(&dx, &gradient)
        if let input = cachedInput {
            input.scalars.withUnsafeBufferPointer { x in
                dx.scalars.withUnsafeMutableBufferPointer { activation.backward(input: x, gradient: $0) }
            }
            return dx
        }
        guard let output = cachedOutput else { return dx }
        output.scalars.withUnsafeBufferPointer { y in
            dx.scalars.withUnsafeMutableBufferPointer { activation.backward(output: y, gradient: $0, width: shape.last ?? 1) }
        }
        return dx
    }
}
