/// Keras' `BatchNormalization` at inference, over one feature axis:
/// `y = (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta`, computed per element in that order
/// as Keras does. Parameters are `[gamma if scale, beta if center, moving_mean, moving_variance]`, each
/// `(channels)`; a missing gamma is 1 and a missing beta 0.
///
/// Training leaves it frozen (like `trainable=False` in Keras): its parameters get zero gradients and the input
/// gradient is that of the inference transform.
final class BatchNormalization<Scalar: NNScalar>: Layer {
    let shape: [Int]
    let channels: Int
    /// Values per example after the feature axis (1 for the last axis).
    let inner: Int
    let epsilon: Scalar
    let center: Bool
    let scale: Bool
    var parameters: [Tensor<Scalar>]
    var gradients: [Tensor<Scalar>] { parameters.map { Tensor(zeros: $0.shape) } }

    /// `axis` is an index into the example shape `shape`.
    init(shape: [Int], axis: Int, epsilon: Scalar, center: Bool, scale: Bool) {
        self.shape = shape
        channels = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        parameters = []
        reset()
    }

    /// gamma 1, beta 0, mean 0, variance 1: the identity up to epsilon, as Keras initialises it.
    func reset() {
        let ones = Tensor<Scalar>(shape: [channels], scalars: Array(repeating: 1, count: channels))
        parameters = (scale ? [ones] : []) + (center ? [Tensor(zeros: [channels])] : []) + [Tensor(zeros: [channels]), ones]
    }

    var outputShape: [Int] { shape }

    /// Per channel (multiplier, mean, beta): `y = (x - mean) * multiplier + beta` with multiplier
    /// `gamma / sqrt(variance + epsilon)` applied as Keras orders it.
    private var transform: (inverse: [Scalar], gamma: [Scalar], mean: [Scalar], beta: [Scalar]) {
        let n = parameters.count
        let ones = [Scalar](repeating: 1, count: channels)
        let gamma = scale ? parameters[0].scalars : ones
        let beta = center ? parameters[scale ? 1 : 0].scalars : [Scalar](repeating: 0, count: channels)
        let inverse = parameters[n - 1].scalars.map { 1 / ($0 + epsilon).squareRoot() }
        return (inverse, gamma, parameters[n - 2].scalars, beta)
    }

    /// Calls `body(channel, positions)` for each run of `inner` consecutive positions of one channel in a batch of
    /// `count` values (examples of channels * inner).
    @inline(__always)
    private func forEachChannelRun(count: Int, _ body: (Int, Range<Int>) -> Void) {
        var start = 0
        while start < count {
            for ch in 0..<channels {
                let row = start + ch * inner
                body(ch, row..<(row + inner))
            }
            start += channels * inner
        }
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let (inverse, gamma, mean, beta) = transform
        var output = input
        output.scalars.withUnsafeMutableBufferPointer { y in
            forEachChannelRun(count: y.count) { ch, run in
                let (m, i, g, b) = (mean[ch], inverse[ch], gamma[ch], beta[ch])
                for k in run { y[k] = (y[k] - m) * i * g + b }
            }
        }
        return output
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        let (inverse, gamma, _, _) = transform
        let factor = zip(inverse, gamma).map { $0 * $1 }
        var dx = gradient
        dx.scalars.withUnsafeMutableBufferPointer { d in
            forEachChannelRun(count: d.count) { ch, run in
                for k in run { d[k] *= factor[ch] }
            }
        }
        return dx
    }
}
