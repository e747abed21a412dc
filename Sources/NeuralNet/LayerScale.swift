/// keras.applications ConvNeXt's `LayerScale`: `x * gamma`, the parameter `gamma` `(channels)` broadcast along the
/// last axis.
final class LayerScale<Scalar: NNScalar>: InputCachingLayer {
    let shape: [Int]
    /// Keras' initial value of every gamma.
    let initValues: Double
    var parameters: [Tensor<Scalar>]
    private(set) var gradients: [Tensor<Scalar>]
    var cachedInput: Tensor<Scalar>?

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

    /// dgamma = sum over rows of dy * x; dx = dy * gamma.
    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        let gamma = parameters[0].scalars
        let c = gamma.count
        var dGamma = [Scalar](repeating: 0, count: c)
        guard
            let dx = inputGradient(
                gradient,
                { x, d in
                    var start = 0
                    while start < d.count {
                        for j in 0..<c {
                            dGamma[j] += d[start + j] * x[start + j]
                            d[start + j] *= gamma[j]
                        }
                        start += c
                    }
                })
        else { return nil }
        gradients = [Tensor(shape: [c], scalars: dGamma)]
        return needsInputGradient ? dx : nil
    }
}
