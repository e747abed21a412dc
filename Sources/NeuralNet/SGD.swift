/// Plain stochastic gradient descent: `w -= learningRate * g` (Keras' `SGD` without momentum).
public final class SGD: Optimizer {
    /// The step size.
    public var learningRate: Double

    /// Keras' default learning rate is 0.01.
    public init(learningRate: Double = 0.01) { self.learningRate = learningRate }

    /// SGD keeps no step count.
    public func beginStep() {}

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    /// `parameter -= learningRate * gradient`, elementwise.
    public func update<Scalar: NNScalar>(_ parameter: inout [Scalar], gradient: [Scalar], slot: Int) {
        precondition(parameter.count == gradient.count, "SGD: gradient count \(gradient.count) != parameter count \(parameter.count)")
        let rate = Scalar(learningRate)
        parameter.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                for i in 0..<w.count { w[i] -= rate * g[i] }
            }
        }
    }
}
