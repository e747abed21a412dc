/// Keras' `Dropout`: the identity at inference; in training each element is zeroed with probability `rate` from a
/// seeded generator and survivors are scaled by 1 / (1 - rate) (inverted dropout), so the expected value is kept.
final class Dropout<Scalar: NNScalar>: Layer {
    let rate: Double
    let shape: [Int]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []
    /// The last training mask, already scaled: 0 or 1 / (1 - rate) per element.
    private(set) var mask: [Scalar] = []

    init(rate: Double, shape: [Int]) {
        self.rate = rate
        self.shape = shape
    }

    var outputShape: [Int] { shape }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        guard rate > 0 else {
            mask = []
            return input
        }
        let keep = Scalar(1 / (1 - rate))
        mask = zeros(input.count)
        var output = input.scalars
        for i in 0..<mask.count where generator.nextUnitDouble() >= rate { mask[i] = keep }
        output.withUnsafeMutableBufferPointer { y in
            mask.withUnsafeBufferPointer { multiply(y, by: $0) }
        }
        return Tensor(shape: input.shape, scalars: output)
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        guard !mask.isEmpty else { return gradient }
        var dx: [Scalar] = []
        swap(&dx, &gradient.scalars)
        dx.withUnsafeMutableBufferPointer { d in
            mask.withUnsafeBufferPointer { multiply(d, by: $0) }
        }
        return Tensor(shape: gradient.shape, scalars: dx)
    }
}
