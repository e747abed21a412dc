/// keras.applications ConvNeXt's `LayerScale`: `x * gamma`, the parameter `gamma` `(channels)` broadcast along the
/// last axis.
final class LayerScale<Scalar: NNScalar>: Layer {
    let shape: [Int]
    /// Keras' initial value of every gamma.
    let initValues: Double
    var parameters: [Tensor<Scalar>]
    private(set) var gradients: [Tensor<Scalar>]
    private var cachedInput: Tensor<Scalar>?

    init(shape: [Int], channels: Int, initValues: Double) {
        self.shape = shape
        self.initValues = initValues
        parameters = [Tensor(zeros: [channels])]
        gradients = [Tensor(zeros: [channels])]
    }

    var outputShape: [Int] { shape }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        var output = input
        let gamma = parameters[0].scalars
        let c = gamma.count
        output.scalars.withUnsafeMutableBufferPointer { y in
            gamma.withUnsafeBufferPointer { g in
                var start = 0
                while start < y.count {
                    for j in 0..<c { y[start + j] *= g[j] }
                    start += c
                }
            }
        }
        return output
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        cachedInput = input
        return infer(input)
    }

    /// dgamma = sum over rows of dy * x; dx = dy * gamma.
    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard let input = cachedInput else { return nil }
        let gamma = parameters[0].scalars
        let c = gamma.count
        var dGamma = [Scalar](repeating: 0, count: c)
        var dx = gradient
        input.scalars.withUnsafeBufferPointer { x in
            dx.scalars.withUnsafeMutableBufferPointer { d in
                var start = 0
                while start < d.count {
                    for j in 0..<c {
                        dGamma[j] += d[start + j] * x[start + j]
                        d[start + j] *= gamma[j]
                    }
                    start += c
                }
            }
        }
        gradients = [Tensor(shape: [c], scalars: dGamma)]
        return needsInputGradient ? dx : nil
    }
}
