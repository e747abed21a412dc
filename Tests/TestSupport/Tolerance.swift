/// The numeric bounds the tests compare floating-point results with, each named after the reason it holds.
///
/// A bound is chosen so that the rounding the two computations legitimately differ by fits inside it with margin,
/// while a wrong formula, layout or weight order (errors of order 1) does not. Two bounds with the same value but
/// different reasons are different constants (`float64ClosedForm`, `float64DeepSummationOrder` and
/// `float64GradientCancellation` are all 1e-12). Finite differences have their own in `FiniteDifference.tolerance`;
/// suites whose bound is relative to their largest output (graph, architecture and layer parity) declare it, with its
/// reason, next to that scaling.
public enum Tolerance {
    /// Swift's float32 outputs (probabilities or activations of magnitude about 1) against Keras' float32 outputs,
    /// absolute. XLA or TensorFlow accumulate the float32 sums of convolutions and dense layers in another order than
    /// WeightBridge's kernels and OpenBLAS, which moves results by ~1e-7 to 1e-6; 1e-5 leaves margin.
    public static let float32KerasParity = 1e-5

    /// Keras' float32 predictions of a model it loaded from a file Swift wrote, against the predictions Keras recorded
    /// for the original model: the weights are bit-identical, so only the float32 accumulation order of another
    /// backend or build than the one that recorded them can differ.
    public static let float32KerasReload = 1e-6

    /// A figure computed in float32 (an accuracy or a mean loss of magnitude about 1) against the same figure in
    /// float64: float32 rounds a value below 1 by at most half an ulp, 6e-8.
    public static let float32Rounding = 1e-7

    /// A short sum of a few float32 terms (a softmax row, a dense layer of a handful of inputs) against its exact or
    /// float64 value: each term and each addition rounds by up to half a float32 ulp of 1 (6e-8).
    public static let float32ShortSum = 1e-6

    /// The same short sum in float64: each term (exp within an ulp in libm) and each addition rounds by up to half a
    /// float64 ulp of 1 (1.1e-16).
    public static let float64ShortSum = 1e-14

    /// A value reached by a handful of float64 operations (libm's exp, within an ulp, among them) on values of
    /// magnitude at most 1, against the nearest double to its decimal or closed form (98.12 / 100 against 0.9812): a
    /// few roundings of half an ulp of 1 (1.1e-16) each.
    public static let float64FewOperations = 1e-15

    /// An activation formula evaluated in float64 against the value worked out on paper. The formula itself rounds
    /// within a few ulps; the bound only has to tell one formula from another (Keras 3's hard sigmoid from Keras 2's,
    /// 0.75 against 0.8), so it is far from both.
    public static let float64ClosedForm = 1e-12

    /// A float64 two-layer dense stack (sums of at most 16 terms) against Keras running it in float64: only the
    /// summation order differs.
    public static let float64ShallowSummationOrder = 1e-13

    /// A float64 network of several layers, its loss and an optimizer step (Adam's square roots and divisions
    /// included), against Keras/JAX in float64, or against itself accumulated in other batches: only the order of
    /// the sums over positions, channels and examples differs, which compounds over the layers.
    public static let float64DeepSummationOrder = 1e-12

    /// Swift's float64 outputs against NumPy's float64 forward pass of the same model (MNIST-sized MLPs, sums of
    /// 784 terms): OpenBLAS and NumPy's BLAS block the sums differently. The bound `Fixtures/verify/checks.yml` sets
    /// for float64 models.
    public static let float64NumPyParity = 1e-9

    /// Float64 back-propagated gradients against JAX's, relative to each entry. The sums over the batch and the
    /// positions cancel, so small entries keep fewer correct digits than the loss; a wrong backward formula is off by
    /// order 1.
    public static let float64GradientRelative = 1e-8

    /// The absolute floor under `float64GradientRelative`, for gradient entries that cancel to about zero: what is
    /// left there is float64 rounding of the order-1 terms that cancelled.
    public static let float64GradientCancellation = 1e-12

    /// A mean cross-entropy through Keras' clipping of probabilities to [1e-7, 1 - 1e-7], against the unclipped
    /// closed form: the clip moves -log p by at most about 1e-7 (for p near 1), float64 rounding of the logs far less.
    public static let kerasEpsilonClipping = 1e-7

    /// The cross-entropy of a probability clipped to Keras' epsilon, -log(1e-7) ~ 16.1, computed in float64: libm's
    /// log is within an ulp (3.6e-15 here). Clipping at the float32 nearest to 1e-7 instead would move it by 1.2e-8.
    public static let float64ClippedLoss = 1e-9
}
