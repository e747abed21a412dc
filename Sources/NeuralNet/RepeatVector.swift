/// Keras' `RepeatVector(n)`: each example's vector `(features)` repeated `n` times, `(n, features)`.
final class RepeatVector<Scalar: NNScalar>: Layer {
    let features: Int
    let times: Int
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []

    init(features: Int, times: Int) {
        self.features = features
        self.times = times
    }

    var outputShape: [Int] { [times, features] }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let batch = input.shape[0]
        var output = [Scalar](repeating: 0, count: batch * times * features)
        input.scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for n in 0..<batch {
                    for t in 0..<times {
                        let destination = (n * times + t) * features
                        for j in 0..<features { y[destination + j] = x[n * features + j] }
                    }
                }
            }
        }
        return Tensor(shape: [batch, times, features], scalars: output)
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    /// The sum of the repeats' gradients.
    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        let batch = gradient.shape[0]
        var dx = [Scalar](repeating: 0, count: batch * features)
        gradient.scalars.withUnsafeBufferPointer { g in
            for n in 0..<batch {
                for t in 0..<times {
                    let source = (n * times + t) * features
                    for j in 0..<features { dx[n * features + j] += g[source + j] }
                }
            }
        }
        return Tensor(shape: [batch, features], scalars: dx)
    }
}
