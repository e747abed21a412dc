/// Keras' `LayerNormalization` over some axes of each example: per group of positions that differ only in those
/// axes, `y = (x - mean) / sqrt(variance + epsilon) * gamma + beta` with the biased variance, gamma and beta shaped
/// as the normalised axes (a missing gamma is 1, a missing beta 0). Parameters `[gamma if scale, beta if center]`.
/// Moments are accumulated in Double, so float32 results do not depend on the group size's rounding.
final class LayerNormalization<Scalar: NNScalar>: Layer {
    let shape: [Int]
    let epsilon: Double
    let center: Bool
    let scale: Bool
    var parameters: [Tensor<Scalar>]
    private(set) var gradients: [Tensor<Scalar>] = []
    private let groups: AxisGroups
    private var cached: (xhat: [Scalar], inverse: [Scalar])?

    /// `axes` are sorted indices into the example shape `shape`.
    init(shape: [Int], axes: [Int], epsilon: Double, center: Bool, scale: Bool) {
        self.shape = shape
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        groups = AxisGroups(shape: shape, reduced: axes)
        let parameterShape = axes.map { shape[$0] }
        let count = parameterShape.reduce(1, *)
        parameters =
            (scale ? [Tensor(shape: parameterShape, scalars: [Scalar](repeating: 1, count: count))] : [])
            + (center ? [Tensor(zeros: parameterShape)] : [])
        gradients = parameters.map { Tensor(zeros: $0.shape) }
    }

    var outputShape: [Int] { shape }

    private var gamma: [Scalar]? { scale ? parameters[0].scalars : nil }
    private var beta: [Scalar]? { center ? parameters[scale ? 1 : 0].scalars : nil }

    /// Normalises `input`; when `keep`, also returns the normalised values and per-group inverse deviations.
    private func run(_ input: Tensor<Scalar>, keep: Bool) -> (Tensor<Scalar>, [Scalar], [Scalar]) {
        let (size, n) = (groups.groupSize, groups.groupCount)
        let exampleSize = size * n
        let batch = exampleSize == 0 ? 0 : input.count / exampleSize
        var output = input
        var xhat: [Scalar] = keep ? [Scalar](repeating: 0, count: input.count) : []
        var inverses: [Scalar] = keep ? [Scalar](repeating: 0, count: batch * n) : []
        let (gamma, beta) = (gamma, beta)
        output.scalars.withUnsafeMutableBufferPointer { y in
            groups.forEachGroup(count: y.count) { group, base, members in
                var sum = 0.0
                for o in members { sum += Double(y[base + o]) }
                let mean = sum / Double(size)
                var squares = 0.0
                for o in members {
                    let d = Double(y[base + o]) - mean
                    squares += d * d
                }
                let inverse = 1 / (squares / Double(size) + epsilon).squareRoot()
                if keep { inverses[group] = Scalar(inverse) }
                for (k, o) in members.enumerated() {
                    let normalised = (Double(y[base + o]) - mean) * inverse
                    if keep { xhat[base + o] = Scalar(normalised) }
                    var value = Scalar(normalised)
                    if let gamma { value *= gamma[k] }
                    if let beta { value += beta[k] }
                    y[base + o] = value
                }
            }
        }
        return (output, xhat, inverses)
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> { run(input, keep: false).0 }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        let (output, xhat, inverse) = run(input, keep: true)
        cached = (xhat, inverse)
        return output
    }

    /// dgamma = sum(dy * xhat), dbeta = sum(dy); dx = inverse * (g - mean(g) - xhat * mean(g * xhat)) per group,
    /// with g = dy * gamma.
    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard let (xhat, inverse) = cached else { return nil }
        let size = groups.groupSize
        var dGamma = [Scalar](repeating: 0, count: size)
        var dBeta = [Scalar](repeating: 0, count: size)
        var dx = gradient.scalars
        let gamma = gamma
        gradient.scalars.withUnsafeBufferPointer { dy in
            groups.forEachGroup(count: dy.count) { group, base, members in
                var meanG: Scalar = 0
                var meanGX: Scalar = 0
                for (k, o) in members.enumerated() {
                    let d = dy[base + o]
                    dGamma[k] += d * xhat[base + o]
                    dBeta[k] += d
                    let scaled = gamma.map { d * $0[k] } ?? d
                    meanG += scaled
                    meanGX += scaled * xhat[base + o]
                }
                meanG /= Scalar(size)
                meanGX /= Scalar(size)
                let inv = inverse[group]
                for (k, o) in members.enumerated() {
                    let scaled = gamma.map { dy[base + o] * $0[k] } ?? dy[base + o]
                    dx[base + o] = inv * (scaled - meanG - xhat[base + o] * meanGX)
                }
            }
        }
        let parameterShape = parameters.first?.shape ?? [size]
        gradients =
            (scale ? [Tensor(shape: parameterShape, scalars: dGamma)] : [])
            + (center ? [Tensor(shape: parameterShape, scalars: dBeta)] : [])
        return needsInputGradient ? Tensor(shape: gradient.shape, scalars: dx) : nil
    }
}
