/// An elementwise (or, for softmax and log_softmax, per-row) nonlinearity, named as Keras names it in a layer's
/// `activation=`.
///
/// Softmax and log_softmax are over the last axis and numerically stable (the row maximum is subtracted before
/// `exp`). `elu` has alpha 1; `selu` Keras' fixed alpha and scale; `leaky_relu` Keras 3's default slope 0.2.
/// `hard_sigmoid` is Keras 3's `clip(x / 6 + 0.5, 0, 1)`; `hardSigmoidKeras2` is Keras 1/2's
/// `clip(0.2 x + 0.5, 0, 1)`, which the same name meant in files Keras 1 or 2 wrote (the Keras reader decides by
/// the file's `keras_version`). `hard_silu` is `x * hard_sigmoid(x)` (Keras 3), `gelu` the exact
/// `x * Phi(x)`, `geluApproximate` the tanh approximation (`keras.activations.gelu(x, approximate=True)`, which
/// a Keras file cannot name; reachable from Swift only). Raw values are the names Keras writes, except for the two
/// variants a Keras file cannot name, whose raw values (`hard_sigmoid_keras2`, `gelu_approximate`) are
/// WeightBridge's own.
public enum Activation: String, Sendable, CaseIterable {
    case relu, sigmoid, tanh, softmax, linear
    case elu, selu, softplus, softsign, exponential
    case hardSigmoid = "hard_sigmoid"
    case hardSigmoidKeras2 = "hard_sigmoid_keras2"
    case silu
    case gelu
    case geluApproximate = "gelu_approximate"
    case hardSilu = "hard_silu"
    case relu6, mish
    case logSoftmax = "log_softmax"
    case leakyReLU = "leaky_relu"

    /// Keras' other names for the same functions (`swish` is `silu`, `hard_swish` is `hard_silu`).
    public static let kerasAliases: [String: Activation] = ["swish": .silu, "hard_swish": .hardSilu]

    /// Whether the runtime can differentiate it from its output alone (what a fused `Dense`/`Conv2D` activation
    /// keeps for the backward pass). The non-monotonic ones (silu, gelu, hard_silu, mish) cannot: a layer using
    /// them does not train (`LayerSpec.supportsTraining`).
    public var hasBackwardFromOutput: Bool {
        switch self {
        case .silu, .gelu, .geluApproximate, .hardSilu, .mish: return false
        default: return true
        }
    }
}
