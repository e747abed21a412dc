/// An elementwise (or, for softmax, per-row) nonlinearity, named as Keras names it in a layer's `activation=`.
///
/// Softmax is over the last axis and numerically stable (the row maximum is subtracted before `exp`).
/// `elu` has alpha 1; `selu` Keras' fixed alpha and scale; `hard_sigmoid` is Keras 2's `clip(0.2 x + 0.5, 0, 1)`
/// (Keras 3 changed it to `clip(x / 6 + 0.5, 0, 1)`).
public enum Activation: String, Sendable, CaseIterable {
    case relu, sigmoid, tanh, softmax, linear
    case elu, selu, softplus, softsign, exponential
    case hardSigmoid = "hard_sigmoid"
}
