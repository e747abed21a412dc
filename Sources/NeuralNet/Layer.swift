/// One layer of a `Sequential` model: inference, a caching training forward pass, and the backward pass.
///
/// Inputs and outputs carry the batch as their first axis. `infer` is pure (safe to call from several threads);
/// `forward` caches what `backward` needs, so training uses one layer from one thread at a time.
protocol Layer<Scalar>: AnyObject {
    associatedtype Scalar: NNScalar
    /// Output shape without the batch axis.
    var outputShape: [Int] { get }
    /// Trainable arrays in Keras order ([kernel, bias] or [kernel]); [] for weightless layers.
    var parameters: [Tensor<Scalar>] { get set }
    /// Gradients of the loss w.r.t. `parameters`, filled by the last `backward`.
    var gradients: [Tensor<Scalar>] { get }
    /// The activation applied last by this layer (`.linear` if none), so the loss can fuse softmax.
    var finalActivation: Activation { get }
    /// Inference forward pass.
    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar>
    /// Training forward pass; caches inputs/outputs for `backward`. `generator` drives dropout masks.
    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar>
    /// Backward pass from the gradient w.r.t. this layer's output (or, if `gradientIsPreActivation`, w.r.t. the
    /// input of its final activation). Fills `gradients`; returns the input gradient when `needsInputGradient`.
    /// `gradient` is taken over (its storage may be reused in place), so the caller should hold no other reference.
    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>?
}

extension Layer {
    var finalActivation: Activation { .linear }
}
