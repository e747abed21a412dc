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
    /// `parameter -= learningRate * gradient`, elementwise; split over the cores from `parallelCount` values (the
    /// seed MLP's 784 x 128 kernel, updated 875 times an epoch, is read and written from the L3 cache).
    public func update<Scalar: NNScalar>(_ parameter: inout [Scalar], gradient: [Scalar], slot: Int) {
        precondition(parameter.count == gradient.count, "SGD: gradient count \(gradient.count) != parameter count \(parameter.count)")
        let rate = Scalar(learningRate)
        parameter.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                let parts = w.count >= Self.parallelCount ? BLASThreads.workers : 1
                ParallelFor.run(parts: parts) { part in
                    for i in ParallelFor.bounds(part: part, of: parts, count: w.count, alignment: 8) { w[i] -= rate * g[i] }
                }
            }
        }
    }

    /// Values from which an update is split over the cores.
    static let parallelCount = 1 << 15
}
