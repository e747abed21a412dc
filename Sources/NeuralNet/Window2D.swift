/// Keras' `ZeroPadding2D` (positive edges) and `Cropping2D` (negative edges) on NHWC images: each output row is
/// a bulk copy of the overlapping part of an input row; padding is zero.
final class Window2D<Scalar: NNScalar>: Layer {
    let inputShape: [Int]
    let outputShape: [Int]
    /// Rows/columns added (positive) or removed (negative) at each edge.
    let top: Int, left: Int
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []

    init(inputShape: [Int], top: Int, bottom: Int, left: Int, right: Int) {
        self.inputShape = inputShape
        self.top = top
        self.left = left
        outputShape = [inputShape[0] + top + bottom, inputShape[1] + left + right, inputShape[2]]
    }

    /// Copies the overlap of `from` (shape `fromShape`) into `to` (shape `toShape`), with `to` offset by (dy, dx).
    private static func copy(
        _ from: UnsafeBufferPointer<Scalar>, _ fromShape: [Int], _ to: UnsafeMutableBufferPointer<Scalar>, _ toShape: [Int],
        dy: Int, dx: Int, batch: Int
    ) {
        let c = fromShape[2]
        let fromImage = fromShape[0] * fromShape[1] * c
        let toImage = toShape[0] * toShape[1] * c
        let x0 = max(0, -dx)
        let x1 = min(fromShape[1], toShape[1] - dx)
        let y0 = max(0, -dy)
        let y1 = min(fromShape[0], toShape[0] - dy)
        guard x1 > x0, y1 > y0 else { return }
        for n in 0..<batch {
            for y in y0..<y1 {
                let source = from.baseAddress! + n * fromImage + (y * fromShape[1] + x0) * c
                let target = to.baseAddress! + n * toImage + ((y + dy) * toShape[1] + x0 + dx) * c
                target.update(from: source, count: (x1 - x0) * c)
            }
        }
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let batch = input.count / inputShape.reduce(1, *)
        var output = [Scalar](repeating: 0, count: batch * outputShape.reduce(1, *))
        input.scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                Self.copy(x, inputShape, y, outputShape, dy: top, dx: left, batch: batch)
            }
        }
        return Tensor(shape: [batch] + outputShape, scalars: output)
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        let batch = gradient.count / outputShape.reduce(1, *)
        var dx = [Scalar](repeating: 0, count: batch * inputShape.reduce(1, *))
        gradient.scalars.withUnsafeBufferPointer { dy in
            dx.withUnsafeMutableBufferPointer { d in
                Self.copy(dy, outputShape, d, inputShape, dy: -top, dx: -left, batch: batch)
            }
        }
        return Tensor(shape: [batch] + inputShape, scalars: dx)
    }
}
