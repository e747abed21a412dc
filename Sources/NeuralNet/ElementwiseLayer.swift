/// A weightless layer that maps each element on its own by a fixed function with a known derivative: Keras'
/// `Rescaling`, `ReLU(max_value, negative_slope, threshold)`, `LeakyReLU(alpha)` and `ELU(alpha)`. The derivative is taken at the cached
/// input (at a kink, the right-hand side's, except ReLU's 0 below its threshold as TensorFlow does).
final class ElementwiseLayer<Scalar: NNScalar>: InputCachingLayer {
    /// The functions this layer computes.
    enum Function {
        /// `x * scale + offset`.
        case rescaling(scale: Double, offset: Double)
        /// Keras' `ReLU`: `min(x, maxValue)` for `x >= threshold`, else `negativeSlope * (x - threshold)`.
        case relu(maxValue: Double?, negativeSlope: Double, threshold: Double)
        /// `x` for `x >= 0`, else `alpha * x` (Keras' `LeakyReLU`; its gradient at 0 is `alpha`, as TensorFlow's).
        case leakyReLU(alpha: Double)
        /// `x` for `x > 0`, else `alpha * (exp(x) - 1)`.
        case elu(alpha: Double)
    }

    let function: Function
    let shape: [Int]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []
    var cachedInput: Tensor<Scalar>?

    init(_ function: Function, shape: [Int]) {
        self.function = function
        self.shape = shape
    }

    var outputShape: [Int] { shape }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        var output = input
        output.scalars.withUnsafeMutableBufferPointer { y in
            switch function {
            case .rescaling(let scale, let offset):
                let (a, b) = (Scalar(scale), Scalar(offset))
                for i in y.indices { y[i] = y[i] * a + b }
            case .relu(let maxValue, let slope, let threshold):
                let (s, t) = (Scalar(slope), Scalar(threshold))
                let cap = maxValue.map { Scalar($0) } ?? .infinity
                for i in y.indices {
                    let x = y[i]
                    y[i] = x >= t ? Swift.min(x, cap) : s * (x - t)
                }
            case .leakyReLU(let alpha):
                let a = Scalar(alpha)
                for i in y.indices where y[i] < 0 { y[i] *= a }
            case .elu(let alpha):
                let a = Scalar(alpha)
                for i in y.indices where !(y[i] > 0) { y[i] = a * (Scalar.exp(y[i]) - 1) }
            }
        }
        return output
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        return inputGradient(gradient) { x, d in
            switch function {
            case .rescaling(let scale, _):
                let a = Scalar(scale)
                for i in d.indices { d[i] *= a }
            case .relu(let maxValue, let slope, let threshold):
                let (s, t) = (Scalar(slope), Scalar(threshold))
                let cap = maxValue.map { Scalar($0) } ?? .infinity
                for i in d.indices { d[i] *= x[i] >= t ? (x[i] < cap ? 1 : 0) : s }
            case .leakyReLU(let alpha):
                let a = Scalar(alpha)
                for i in d.indices where !(x[i] > 0) { d[i] *= a }
            case .elu(let alpha):
                let a = Scalar(alpha)
                for i in d.indices where !(x[i] > 0) { d[i] *= a * Scalar.exp(x[i]) }
            }
        }
    }
}
