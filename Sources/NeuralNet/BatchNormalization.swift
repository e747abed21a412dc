/// Keras' `BatchNormalization` at inference, over the last axis:
/// `y = (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta`, computed per element in that order
/// as Keras does. Parameters are `[gamma, beta, moving_mean, moving_variance]`, each `(channels)`.
///
/// Training leaves it frozen (like `trainable=False` in Keras): its parameters get zero gradients and the input
/// gradient is that of the inference transform.
final class BatchNormalization<Scalar: NNScalar>: Layer {
    let shape: [Int]
    let channels: Int
    let epsilon: Scalar
    var parameters: [Tensor<Scalar>]
    let gradients: [Tensor<Scalar>]

    init(shape: [Int], channels: Int, epsilon: Scalar) {
        self.shape = shape
        self.channels = channels
        self.epsilon = epsilon
        parameters = []
        gradients = Array(repeating: Tensor(zeros: [channels]), count: 4)
        reset()
    }

    /// gamma 1, beta 0, mean 0, variance 1: the identity up to epsilon, as Keras initialises it.
    func reset() {
        let ones = Tensor<Scalar>(shape: [channels], scalars: Array(repeating: 1, count: channels))
        parameters = [ones, Tensor(zeros: [channels]), Tensor(zeros: [channels]), ones]
    }

    var outputShape: [Int] { shape }

    /// Per channel: 1 / sqrt(variance + epsilon).
    private var inverseDeviation: [Scalar] {
        parameters[3].scalars.map { 1 / ($0 + epsilon).squareRoot() }
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let c = channels
        let gamma = parameters[0].scalars, beta = parameters[1].scalars, mean = parameters[2].scalars
        let inverse = inverseDeviation
        var output = input
        output.scalars.withUnsafeMutableBufferPointer { y in
            var start = 0
            while start < y.count {
                for ch in 0..<c { y[start + ch] = (y[start + ch] - mean[ch]) * inverse[ch] * gamma[ch] + beta[ch] }
                start += c
            }
        }
        return output
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        let c = channels
        let gamma = parameters[0].scalars
        let scale = zip(inverseDeviation, gamma).map { $0 * $1 }
        var dx = gradient
        dx.scalars.withUnsafeMutableBufferPointer { d in
            var start = 0
            while start < d.count {
                for ch in 0..<c { d[start + ch] *= scale[ch] }
                start += c
            }
        }
        return dx
    }
}
