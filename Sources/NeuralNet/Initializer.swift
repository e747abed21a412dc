/// How `Model.initialize` draws kernels (biases are always zero).
///
/// Fans: Dense fan_in = in, fan_out = out; Conv2D fan_in = kh * kw * in, fan_out = kh * kw * out (as Keras).
public enum Initializer: String, Sendable, CaseIterable {
    /// Uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)) (Keras' default).
    case glorotUniform
    /// Normal(0, 1) * sqrt(2 / fan_in), as `np.random.randn(fan_in, fan_out) * sqrt(2 / fan_in)`.
    case heNormal

    /// `count` kernel values for the given fans, drawn from `generator`.
    func sample<Scalar: NNScalar>(count: Int, fanIn: Int, fanOut: Int, generator: inout SeededGenerator) -> [Scalar] {
        var values: [Scalar] = zeros(count)
        switch self {
        case .glorotUniform:
            let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
            for i in 0..<count { values[i] = Scalar((generator.nextUnitDouble() * 2 - 1) * limit) }
        case .heNormal:
            let scale = (2.0 / Double(fanIn)).squareRoot()
            for i in 0..<count { values[i] = Scalar(generator.nextNormal() * scale) }
        }
        return values
    }
}
