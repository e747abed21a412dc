/// Keras' `Bidirectional` at inference: a forward and a backward `Recurrent` layer on the same input, the backward
/// output flipped back into time order when it is a sequence, then merged (`concat` on the last axis, `sum`, `mul`,
/// `ave`). Weights are the forward layer's then the backward layer's, as Keras lists them. Like `Recurrent`, it
/// has no backward pass (`fit` refuses it by the spec's `supportsTraining`).
final class Bidirectional<Scalar: NNScalar>: Layer {
    let forwardLayer: Recurrent<Scalar>
    let backwardLayer: Recurrent<Scalar>
    let merge: BidirectionalMerge
    let gradients: [Tensor<Scalar>] = []

    init(forward: Recurrent<Scalar>, backward: Recurrent<Scalar>, merge: BidirectionalMerge) {
        forwardLayer = forward
        backwardLayer = backward
        self.merge = merge
    }

    var outputShape: [Int] {
        let f = forwardLayer.outputShape
        return merge == .concat ? f.dropLast() + [f.last! + backwardLayer.outputShape.last!] : f
    }

    var parameters: [Tensor<Scalar>] {
        get { forwardLayer.parameters + backwardLayer.parameters }
        set {
            let split = forwardLayer.parameters.count
            forwardLayer.parameters = Array(newValue[..<split])
            backwardLayer.parameters = Array(newValue[split...])
        }
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let y = forwardLayer.infer(input)
        var reversed = backwardLayer.infer(input)
        let rows = forwardLayer.returnSequences ? forwardLayer.steps : 1
        let (fu, bu) = (forwardLayer.units, backwardLayer.units)
        let batch = y.count / (rows * fu)
        if forwardLayer.returnSequences { reversed = flippedInTime(reversed, batch: batch, steps: rows, units: bu) }
        var output: [Scalar]
        switch merge {
        case .concat:
            output = uninitializedArray(batch * rows * (fu + bu))
            y.scalars.withUnsafeBufferPointer { f in
                reversed.scalars.withUnsafeBufferPointer { b in
                    output.withUnsafeMutableBufferPointer { o in
                        for row in 0..<(batch * rows) {
                            copy(f.baseAddress! + row * fu, to: o.baseAddress! + row * (fu + bu), count: fu)
                            copy(b.baseAddress! + row * bu, to: o.baseAddress! + row * (fu + bu) + fu, count: bu)
                        }
                    }
                }
            }
        case .sum, .ave:
            output = y.scalars
            output.withUnsafeMutableBufferPointer { o in
                reversed.scalars.withUnsafeBufferPointer { addScaled($0, 1, into: o) }
                if merge == .ave { scale(o, by: Scalar(0.5)) }
            }
        case .mul:
            output = y.scalars
            output.withUnsafeMutableBufferPointer { o in reversed.scalars.withUnsafeBufferPointer { multiply(o, by: $0) } }
        }
        return Tensor(shape: [batch] + outputShape, scalars: output)
    }

    /// `x` (batch, steps, units) with its step axis reversed.
    private func flippedInTime(_ x: Tensor<Scalar>, batch: Int, steps: Int, units: Int) -> Tensor<Scalar> {
        var out: [Scalar] = uninitializedArray(x.count)
        x.scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for b in 0..<batch {
                    for t in 0..<steps {
                        copy(
                            src.baseAddress! + (b * steps + t) * units, to: dst.baseAddress! + (b * steps + steps - 1 - t) * units,
                            count: units)
                    }
                }
            }
        }
        return Tensor(shape: x.shape, scalars: out)
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        // Unreachable: `LayerSpec.supportsTraining` is false for Bidirectional and `fit` refuses such models first.
        preconditionFailure("Bidirectional has no backward pass; fit refuses models that hold one")
    }
}
