import Foundation

extension Activation {
    static let seluAlpha = 1.6732632423543772848170429916717
    static let seluScale = 1.0507009873554804934193349852946
    /// `keras.activations.leaky_relu`'s default `negative_slope` (what the `leaky_relu` activation name means).
    static let leakyReLUSlope = 0.2

    /// Applies the activation in place to `values`, a row-major matrix with `width` columns (softmax is per row).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func apply<Scalar: NNScalar>(_ values: UnsafeMutableBufferPointer<Scalar>, width: Int) {
        switch self {
        case .linear:
            return
        case .relu:
            guard let v = values.baseAddress else { return }
            for i in 0..<values.count { v[i] = Swift.max(v[i], 0) }  // this form vectorizes
        case .sigmoid:
            for i in values.indices { values[i] = 1 / (1 + Scalar.exp(-values[i])) }
        case .tanh:
            for i in values.indices { values[i] = Scalar.tanh(values[i]) }
        case .elu:
            for i in values.indices where values[i] < 0 { values[i] = Scalar.exp(values[i]) - 1 }
        case .selu:
            let alpha = Scalar(Self.seluAlpha)
            let scale = Scalar(Self.seluScale)
            for i in values.indices {
                let x = values[i]
                values[i] = x > 0 ? scale * x : scale * alpha * (Scalar.exp(x) - 1)
            }
        case .softplus:
            // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), without overflow.
            for i in values.indices {
                let x = values[i]
                values[i] = Swift.max(x, 0) + Scalar.log(1 + Scalar.exp(-Swift.abs(x)))
            }
        case .softsign:
            for i in values.indices { values[i] = values[i] / (1 + Swift.abs(values[i])) }
        case .exponential:
            for i in values.indices { values[i] = Scalar.exp(values[i]) }
        case .hardSigmoidKeras2:
            for i in values.indices { values[i] = Swift.min(Swift.max(Scalar(0.2) * values[i] + Scalar(0.5), 0), 1) }
        case .hardSigmoid:
            // Keras 3: relu6(x + 3) / 6.
            for i in values.indices { values[i] = Swift.min(Swift.max(values[i] + 3, 0), 6) / 6 }
        case .hardSilu:
            for i in values.indices { values[i] = values[i] * (Swift.min(Swift.max(values[i] + 3, 0), 6) / 6) }
        case .relu6:
            for i in values.indices { values[i] = Swift.min(Swift.max(values[i], 0), 6) }
        case .leakyReLU:
            for i in values.indices where values[i] < 0 { values[i] *= Scalar(Self.leakyReLUSlope) }
        case .silu:
            for i in values.indices { values[i] = values[i] / (1 + Scalar.exp(-values[i])) }
        case .gelu:
            // x * Phi(x) with the exact normal CDF; erf is taken in Double, then rounded to Scalar.
            for i in values.indices {
                let x = Double(values[i])
                values[i] = Scalar(0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot())))
            }
        case .geluApproximate:
            let c = Scalar((2 / Double.pi).squareRoot())
            for i in values.indices {
                let x = values[i]
                values[i] = Scalar(0.5) * x * (1 + Scalar.tanh(c * (x + Scalar(0.044715) * x * x * x)))
            }
        case .mish:
            // x * tanh(softplus(x)), softplus without overflow.
            for i in values.indices {
                let x = values[i]
                values[i] = x * Scalar.tanh(Swift.max(x, 0) + Scalar.log(1 + Scalar.exp(-Swift.abs(x))))
            }
        case .logSoftmax:
            forEachRowWithMaximum(values, width: width, name: "log_softmax") { row, maximum in
                var sum: Scalar = 0
                for i in row { sum += Scalar.exp(values[i] - maximum) }
                let shift = maximum + Scalar.log(sum)
                for i in row { values[i] -= shift }
            }
        case .softmax:
            forEachRowWithMaximum(values, width: width, name: "softmax") { row, maximum in
                var sum: Scalar = 0
                for i in row {
                    let e = Scalar.exp(values[i] - maximum)
                    values[i] = e
                    sum += e
                }
                let inverse = 1 / sum
                for i in row { values[i] *= inverse }
            }
        }
    }

    /// Calls `body(row, maximum)` for each row of `width` values (the indices of the row, and its largest value,
    /// which the softmaxes subtract so that `exp` cannot overflow). `width` must divide the count (`name` says
    /// which activation asked, when it does not).
    @inline(__always)
    private func forEachRowWithMaximum<Scalar: NNScalar>(
        _ values: UnsafeMutableBufferPointer<Scalar>, width: Int, name: String, _ body: (Range<Int>, Scalar) -> Void
    ) {
        precondition(width > 0 && values.count % width == 0, "\(name) width \(width) does not divide \(values.count)")
        var start = 0
        while start < values.count {
            let end = start + width
            var maximum = values[start]
            for i in start..<end where values[i] > maximum { maximum = values[i] }
            body(start..<end, maximum)
            start = end
        }
    }

    /// Turns the gradient w.r.t. the activation's output into the gradient w.r.t. its input, in place, using the
    /// forward output `output` (`width` columns per row for softmax). ReLU's derivative at 0 is 0, as in TF/JAX.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backward<Scalar: NNScalar>(
        output: UnsafeBufferPointer<Scalar>, gradient: UnsafeMutableBufferPointer<Scalar>, width: Int
    ) {
        precondition(output.count == gradient.count)
        switch self {
        case .linear:
            return
        case .relu:
            guard let g = gradient.baseAddress, let y = output.baseAddress else { return }
            for i in 0..<gradient.count {
                let keep: Scalar = y[i] > 0 ? 1 : 0  // a multiply by 0/1 vectorizes; a conditional store did not
                g[i] *= keep
            }
        case .sigmoid:
            for i in gradient.indices { gradient[i] *= output[i] * (1 - output[i]) }
        case .tanh:
            for i in gradient.indices { gradient[i] *= 1 - output[i] * output[i] }
        case .elu:
            for i in gradient.indices where !(output[i] > 0) { gradient[i] *= output[i] + 1 }
        case .selu:
            let alpha = Scalar(Self.seluAlpha)
            let scale = Scalar(Self.seluScale)
            for i in gradient.indices { gradient[i] *= output[i] > 0 ? scale : output[i] + scale * alpha }
        case .softplus:
            for i in gradient.indices { gradient[i] *= 1 - Scalar.exp(-output[i]) }
        case .softsign:
            for i in gradient.indices {
                let d = 1 - Swift.abs(output[i])
                gradient[i] *= d * d
            }
        case .exponential:
            for i in gradient.indices { gradient[i] *= output[i] }
        case .hardSigmoidKeras2:
            for i in gradient.indices { gradient[i] *= output[i] > 0 && output[i] < 1 ? Scalar(0.2) : 0 }
        case .hardSigmoid:
            for i in gradient.indices { gradient[i] *= output[i] > 0 && output[i] < 1 ? 1 / Scalar(6) : 0 }
        case .relu6:
            for i in gradient.indices { gradient[i] *= output[i] > 0 && output[i] < 6 ? 1 : 0 }
        case .leakyReLU:
            for i in gradient.indices where !(output[i] > 0) { gradient[i] *= Scalar(Self.leakyReLUSlope) }
        case .logSoftmax:
            // y = x - logsumexp(x): dx = dy - exp(y) * sum(dy) per row.
            var start = 0
            while start < gradient.count {
                let end = start + width
                var total: Scalar = 0
                for i in start..<end { total += gradient[i] }
                for i in start..<end { gradient[i] -= Scalar.exp(output[i]) * total }
                start = end
            }
        case .silu, .gelu, .geluApproximate, .hardSilu, .mish:
            // Not a function of the output alone; `LayerSpec.supportsTraining` keeps `fit` from getting here.
            preconditionFailure("\(rawValue) has no backward pass from its output")
        case .softmax:
            // dx = y * (dy - sum(dy * y)) per row.
            var start = 0
            while start < gradient.count {
                let end = start + width
                var dot: Scalar = 0
                for i in start..<end { dot += gradient[i] * output[i] }
                for i in start..<end { gradient[i] = output[i] * (gradient[i] - dot) }
                start = end
            }
        }
    }

    /// The input-gradient of the activations that are not a function of their output alone (silu, gelu, hard_silu,
    /// mish), from the forward input `input`, in place; the others use `backward(output:gradient:width:)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backward<Scalar: NNScalar>(input: UnsafeBufferPointer<Scalar>, gradient: UnsafeMutableBufferPointer<Scalar>) {
        precondition(input.count == gradient.count)
        switch self {
        case .silu:
            for i in gradient.indices {
                let x = input[i]
                let s = 1 / (1 + Scalar.exp(-x))
                gradient[i] *= s * (1 + x * (1 - s))
            }
        case .gelu:
            let density = 1 / (2 * Double.pi).squareRoot()
            for i in gradient.indices {
                let x = Double(input[i])
                let cdf = 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot()))
                gradient[i] *= Scalar(cdf + x * density * Foundation.exp(-0.5 * x * x))
            }
        case .geluApproximate:
            let c = Scalar((2 / Double.pi).squareRoot())
            let a = Scalar(0.044715)
            for i in gradient.indices {
                let x = input[i]
                let t = Scalar.tanh(c * (x + a * x * x * x))
                gradient[i] *= Scalar(0.5) * (1 + t) + Scalar(0.5) * x * (1 - t * t) * c * (1 + 3 * a * x * x)
            }
        case .hardSilu:
            for i in gradient.indices {
                let x = input[i]
                let h = Swift.min(Swift.max(x + 3, 0), 6) / 6
                gradient[i] *= h + (x > -3 && x < 3 ? x / 6 : 0)
            }
        case .mish:
            for i in gradient.indices {
                let x = input[i]
                let t = Scalar.tanh(Swift.max(x, 0) + Scalar.log(1 + Scalar.exp(-Swift.abs(x))))
                gradient[i] *= t + x * (1 - t * t) / (1 + Scalar.exp(-x))
            }
        default:
            preconditionFailure("\(rawValue) takes its backward pass from its output")
        }
    }
}
