import ModelSpec

/// Keras' `SeparableConv2D` on NHWC images: a depthwise convolution (strides, dilation, padding; no bias, no
/// activation) then a 1x1 convolution to the filters with the bias and the activation.
///
/// Parameters in Keras' order: depthwise kernel (kh, kw, in, multiplier), pointwise kernel (1, 1, in * multiplier,
/// filters), bias (filters) when `useBias`.
final class SeparableConv2D<Scalar: NNScalar>: Layer {
    let depthwise: GroupedConv2D<Scalar>
    let pointwise: Conv2D<Scalar>

    init(depthwise: GroupedConv2D<Scalar>, filters: Int, activation: Activation, useBias: Bool) {
        self.depthwise = depthwise
        let geometry = ConvolutionGeometry(
            input: depthwise.outputShape, kernelHeight: 1, kernelWidth: 1, strideHeight: 1, strideWidth: 1, padding: .valid)!
        pointwise = Conv2D(geometry: geometry, filters: filters, activation: activation, useBias: useBias)
    }

    var outputShape: [Int] { pointwise.outputShape }
    var finalActivation: Activation { pointwise.activation }
    var parameters: [Tensor<Scalar>] {
        get { depthwise.parameters + pointwise.parameters }
        set {
            depthwise.parameters = [newValue[0]]
            pointwise.parameters = Array(newValue.dropFirst())
        }
    }
    var gradients: [Tensor<Scalar>] { depthwise.gradients + pointwise.gradients }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> { pointwise.infer(depthwise.infer(input)) }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        pointwise.forward(depthwise.forward(input, generator: &generator), generator: &generator)
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        var middle = pointwise.backward(&gradient, gradientIsPreActivation: gradientIsPreActivation, needsInputGradient: true)!
        return depthwise.backward(&middle, gradientIsPreActivation: false, needsInputGradient: needsInputGradient)
    }
}
