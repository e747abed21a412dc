extension Activation {
    static let seluAlpha = 1.6732632423543772848170429916717
    static let seluScale = 1.0507009873554804934193349852946

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
            let alpha = Scalar(Self.seluAlpha), scale = Scalar(Self.seluScale)
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
        case .hardSigmoid:
            for i in values.indices { values[i] = Swift.min(Swift.max(Scalar(0.2) * values[i] + Scalar(0.5), 0), 1) }
        case .softmax:
            precondition(width > 0 && values.count % width == 0, "softmax width \(width) does not divide \(values.count)")
            var start = 0
            while start < values.count {
                let end = start + width
                var maximum = values[start]
                for i in start..<end where values[i] > maximum { maximum = values[i] }
                var sum: Scalar = 0
                for i in start..<end {
                    let e = Scalar.exp(values[i] - maximum)
                    values[i] = e
                    sum += e
                }
                let inverse = 1 / sum
                for i in start..<end { values[i] *= inverse }
                start = end
            }
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
            let alpha = Scalar(Self.seluAlpha), scale = Scalar(Self.seluScale)
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
        case .hardSigmoid:
            for i in gradient.indices { gradient[i] *= output[i] > 0 && output[i] < 1 ? Scalar(0.2) : 0 }
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
}
