/// Keras' `TimeDistributed(layer)`: the inner layer applied with the same weights to every step of axis 1. The
/// batch and step axes are folded into one batch of (batch * steps) examples, so the inner layer's own kernel runs
/// once (a Dense as one GEMM); training passes straight through to the inner layer's forward and backward.
final class TimeDistributed<Scalar: NNScalar>: Layer {
    let inner: any Layer<Scalar>
    let steps: Int
    let innerInputShape: [Int]

    /// `inner` takes examples of `innerInputShape`; the wrapper's examples are (steps) + that shape.
    init(inner: any Layer<Scalar>, steps: Int, innerInputShape: [Int]) {
        self.inner = inner
        self.steps = steps
        self.innerInputShape = innerInputShape
    }

    var outputShape: [Int] { [steps] + inner.outputShape }
    var parameters: [Tensor<Scalar>] {
        get { inner.parameters }
        set { inner.parameters = newValue }
    }
    var gradients: [Tensor<Scalar>] { inner.gradients }
    var finalActivation: Activation { inner.finalActivation }

    private func folded(_ x: Tensor<Scalar>, _ shape: [Int]) -> Tensor<Scalar> {
        x.reshaped([x.count / max(shape.reduce(1, *), 1)] + shape)
    }

    private func unfolded(_ y: Tensor<Scalar>) -> Tensor<Scalar> {
        let rows = y.shape.first ?? 0
        return y.reshaped([rows / max(steps, 1), steps] + inner.outputShape)
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> { unfolded(inner.infer(folded(input, innerInputShape))) }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        unfolded(inner.forward(folded(input, innerInputShape), generator: &generator))
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        var g = folded(gradient, inner.outputShape)
        gradient = Tensor(shape: [0], scalars: [])
        guard let dx = inner.backward(&g, gradientIsPreActivation: gradientIsPreActivation, needsInputGradient: needsInputGradient) else {
            return nil
        }
        return dx.reshaped([dx.count / max(steps * innerInputShape.reduce(1, *), 1), steps] + innerInputShape)
    }
}
