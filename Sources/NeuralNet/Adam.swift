import Foundation

/// Adam with Keras 3's defaults and update rule (no AMSGrad, no weight decay):
/// m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t);
/// w -= lr_t * m / (sqrt(v) + epsilon), with t counting steps from 1.
public final class Adam: Optimizer {
    /// The base step size (Keras default 0.001).
    public var learningRate: Double
    /// Decay of the first-moment estimate (Keras default 0.9).
    public let beta1: Double
    /// Decay of the second-moment estimate (Keras default 0.999).
    public let beta2: Double
    /// Added to sqrt(v) in the denominator (Keras default 1e-7).
    public let epsilon: Double
    /// Steps taken so far (Keras' `iterations`).
    public private(set) var iterations = 0
    private var moments: [Int: AnyObject] = [:]

    /// Per-parameter first and second moments.
    private final class Moments<Scalar: NNScalar> {
        var m: [Scalar]
        var v: [Scalar]
        init(count: Int) {
            m = zeros(count)
            v = zeros(count)
        }
    }

    /// Keras defaults: learning rate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7.
    public init(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Counts one more step (t), as Keras increments `iterations` once per `apply`.
    public func beginStep() { iterations += 1 }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    /// One Adam update of `parameter`, keeping m and v for `slot` (created as zeros on first use).
    public func update<Scalar: NNScalar>(_ parameter: inout [Scalar], gradient: [Scalar], slot: Int) {
        precondition(parameter.count == gradient.count, "Adam: gradient count \(gradient.count) != parameter count \(parameter.count)")
        precondition(iterations > 0, "Adam.update before beginStep")
        let state: Moments<Scalar>
        if let existing = moments[slot] as? Moments<Scalar>, existing.m.count == parameter.count {
            state = existing
        } else {
            state = Moments(count: parameter.count)
            moments[slot] = state
        }
        let t = Double(iterations)
        let alpha = Scalar(learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t)))
        let oneMinusBeta1 = Scalar(1 - beta1)
        let oneMinusBeta2 = Scalar(1 - beta2)
        let eps = Scalar(epsilon)
        parameter.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                state.m.withUnsafeMutableBufferPointer { m in
                    state.v.withUnsafeMutableBufferPointer { v in
                        for i in 0..<w.count {
                            let gi = g[i]
                            m[i] += (gi - m[i]) * oneMinusBeta1
                            v[i] += (gi * gi - v[i]) * oneMinusBeta2
                            w[i] -= m[i] * alpha / (v[i].squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }
}
