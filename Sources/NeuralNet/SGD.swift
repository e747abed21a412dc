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
    /// `parameter -= learningRate * gradient`, elementwise (two roundings, the step then the difference, which the
    /// fused step of `SparseInputProduct.sgdStep` repeats bit for bit); split over the cores from
    /// `ParallelFor.memoryBoundSplitCount` values.
    public func update<Scalar: NNScalar>(_ parameter: inout [Scalar], gradient: [Scalar], slot: Int) {
        precondition(parameter.count == gradient.count, "SGD: gradient count \(gradient.count) != parameter count \(parameter.count)")
        let rate = Scalar(learningRate)
        parameter.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                let parts = w.count >= ParallelFor.memoryBoundSplitCount ? BLASThreads.workers : 1
                ParallelFor.run(parts: parts) { part in
                    for i in ParallelFor.bounds(part: part, of: parts, count: w.count, alignment: 8) { w[i] -= rate * g[i] }
                }
            }
        }
    }
}
