/// Several layers run as one: the runtime form of a layer kind that NHWC kernels compute in steps, such as a
/// channels-first convolution (transpose to NHWC, convolve, transpose back) or a channels-first Flatten.
///
/// At most one part has weights; `parameters` and `gradients` are that part's.
final class CompositeLayer<Scalar: NNScalar>: Layer {
    let parts: [any Layer<Scalar>]
    private let weighted: Int?

    init(_ parts: [any Layer<Scalar>]) {
        self.parts = parts
        weighted = parts.firstIndex { !$0.parameters.isEmpty }
    }

    var outputShape: [Int] { parts.last!.outputShape }
    var parameters: [Tensor<Scalar>] {
        get { weighted.map { parts[$0].parameters } ?? [] }
        set { if let weighted { parts[weighted].parameters = newValue } }
    }
    var gradients: [Tensor<Scalar>] { weighted.map { parts[$0].gradients } ?? [] }
    var finalActivation: Activation { parts.last!.finalActivation }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        parts.reduce(input) { $1.infer($0) }
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        var x = input
        for part in parts { x = part.forward(x, generator: &generator) }
        return x
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        var g = gradient
        gradient = Tensor(shape: [0], scalars: [])
        for index in parts.indices.reversed() {
            let part = parts[index]
            let batch = g.count / max(part.outputShape.reduce(1, *), 1)
            var shaped = g.reshaped([batch] + part.outputShape)
            g = Tensor(shape: [0], scalars: [])
            guard
                let dx = part.backward(
                    &shaped, gradientIsPreActivation: gradientIsPreActivation && index == parts.count - 1,
                    needsInputGradient: needsInputGradient || index > 0)
            else { return nil }
            g = dx
        }
        return g
    }
}
