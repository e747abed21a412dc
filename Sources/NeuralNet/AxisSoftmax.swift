/// Keras' `Softmax(axis)` over axes other than the last alone: a numerically stable softmax over each group of
/// positions that differ only in `axes` (jointly over several axes, as `keras.ops.softmax` does).
final class AxisSoftmax<Scalar: NNScalar>: Layer {
    let shape: [Int]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []
    private let groups: AxisGroups
    private var cachedOutput: Tensor<Scalar>?

    /// `axes` are sorted indices into the example shape `shape`.
    init(shape: [Int], axes: [Int]) {
        self.shape = shape
        groups = AxisGroups(shape: shape, reduced: axes)
    }

    var outputShape: [Int] { shape }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        var output = input
        output.scalars.withUnsafeMutableBufferPointer { y in
            groups.forEachGroup(count: y.count) { _, base, members in
                var maximum = -Scalar.infinity
                for o in members where y[base + o] > maximum { maximum = y[base + o] }
                var sum: Scalar = 0
                for o in members {
                    let e = Scalar.exp(y[base + o] - maximum)
                    y[base + o] = e
                    sum += e
                }
                for o in members { y[base + o] /= sum }
            }
        }
        return output
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        let output = infer(input)
        cachedOutput = output
        return output
    }

    /// dx = y * (dy - sum(dy * y)) per group.
    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient, let output = cachedOutput else { return nil }
        var dx = gradient
        output.scalars.withUnsafeBufferPointer { y in
            dx.scalars.withUnsafeMutableBufferPointer { d in
                groups.forEachGroup(count: d.count) { _, base, members in
                    var dot: Scalar = 0
                    for o in members { dot += d[base + o] * y[base + o] }
                    for o in members { d[base + o] = y[base + o] * (d[base + o] - dot) }
                }
            }
        }
        return dx
    }
}
