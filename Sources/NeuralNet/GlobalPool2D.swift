/// Keras' `GlobalAveragePooling2D` and `GlobalMaxPooling2D` on NHWC images: (h, w, c) -> (c).
final class GlobalPool2D<Scalar: NNScalar>: InputCachingLayer {
    let inputShape: [Int]
    /// Max (true) or average (false).
    let maximum: Bool
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []
    var cachedInput: Tensor<Scalar>?

    init(inputShape: [Int], maximum: Bool) {
        self.inputShape = inputShape
        self.maximum = maximum
    }

    var outputShape: [Int] { [inputShape[2]] }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let positions = inputShape[0] * inputShape[1]
        let c = inputShape[2]
        let batch = input.count / (positions * c)
        var output = [Scalar](repeating: maximum ? -Scalar.infinity : 0, count: batch * c)
        input.scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for n in 0..<batch {
                    let out = y.baseAddress! + n * c
                    for p in 0..<positions {
                        let source = x.baseAddress! + (n * positions + p) * c
                        if maximum {
                            for ch in 0..<c where source[ch] > out[ch] || source[ch].isNaN { out[ch] = source[ch] }
                        } else {
                            for ch in 0..<c { out[ch] += source[ch] }
                        }
                    }
                    if !maximum {
                        let scale = 1 / Scalar(positions)
                        for ch in 0..<c { out[ch] *= scale }
                    }
                }
            }
        }
        return Tensor(shape: [batch, c], scalars: output)
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient, let input = cachedInput else { return nil }
        let positions = inputShape[0] * inputShape[1]
        let c = inputShape[2]
        let batch = gradient.count / c
        let output = maximum ? infer(input).scalars : []
        var dx = [Scalar](repeating: 0, count: input.count)
        input.scalars.withUnsafeBufferPointer { x in
            gradient.scalars.withUnsafeBufferPointer { dy in
                dx.withUnsafeMutableBufferPointer { d in
                    for n in 0..<batch {
                        var taken = [Bool](repeating: false, count: c)
                        for p in 0..<positions {
                            let offset = (n * positions + p) * c
                            for ch in 0..<c {
                                if maximum {
                                    // The first maximum takes the gradient, as TensorFlow does.
                                    if !taken[ch] && x[offset + ch] == output[n * c + ch] {
                                        d[offset + ch] = dy[n * c + ch]
                                        taken[ch] = true
                                    }
                                } else {
                                    d[offset + ch] = dy[n * c + ch] / Scalar(positions)
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch] + inputShape, scalars: dx)
    }
}
