/// The identity, for layers that only act in Keras' training (`SpatialDropout*`, `GaussianNoise`,
/// `GaussianDropout`, `AlphaDropout`, `ActivityRegularization`; see `LayerSpec.inferenceIdentity`). WeightBridge's
/// `fit` also passes values and gradients through unchanged: it applies neither their noise nor their penalty.
final class IdentityLayer<Scalar: NNScalar>: Layer {
    let shape: [Int]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []

    init(shape: [Int]) { self.shape = shape }

    var outputShape: [Int] { shape }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { input }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        needsInputGradient ? gradient : nil
    }
}
