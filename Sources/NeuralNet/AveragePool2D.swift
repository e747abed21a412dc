/// Average pooling over NHWC images, as Keras' `AveragePooling2D`: with `same` padding a window averages only the
/// real pixels it covers (TensorFlow's and JAX's rule), never the padding.
final class AveragePool2D<Scalar: NNScalar>: Layer {
    let geometry: ConvolutionGeometry
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []
    private var cachedBatch = 0

    init(geometry: ConvolutionGeometry) { self.geometry = geometry }

    var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, geometry.channels] }

    /// The input rows and columns of output position (oy, ox).
    private func window(_ oy: Int, _ ox: Int) -> (Range<Int>, Range<Int>) {
        let g = geometry
        let y0 = max(oy * g.strideHeight - g.padTop, 0)
        let y1 = min(oy * g.strideHeight - g.padTop + g.kernelHeight, g.inputHeight)
        let x0 = max(ox * g.strideWidth - g.padLeft, 0)
        let x1 = min(ox * g.strideWidth - g.padLeft + g.kernelWidth, g.inputWidth)
        return (y0..<y1, x0..<x1)
    }

    /// Calls `body(image, output pixel, rows, columns)` for every output position of `batch` images: the pixel's
    /// row-major index across the batch, and the input rows and columns its window covers.
    @inline(__always)
    private func forEachWindow(batch: Int, _ body: (Int, Int, Range<Int>, Range<Int>) -> Void) {
        let g = geometry
        for n in 0..<batch {
            for oy in 0..<g.outputHeight {
                for ox in 0..<g.outputWidth {
                    let (rows, columns) = window(oy, ox)
                    body(n, (n * g.outputHeight + oy) * g.outputWidth + ox, rows, columns)
                }
            }
        }
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let g = geometry
        let c = g.channels
        let batch = input.count / g.imageSize
        var output = [Scalar](repeating: 0, count: batch * g.outputPositions * c)
        input.scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                forEachWindow(batch: batch) { n, pixel, rows, columns in
                    let out = y.baseAddress! + pixel * c
                    for iy in rows {
                        for ix in columns {
                            let source = x.baseAddress! + n * g.imageSize + (iy * g.inputWidth + ix) * c
                            for ch in 0..<c { out[ch] += source[ch] }
                        }
                    }
                    let scale = 1 / Scalar(rows.count * columns.count)
                    for ch in 0..<c { out[ch] *= scale }
                }
            }
        }
        return Tensor(shape: [batch] + outputShape, scalars: output)
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        cachedBatch = input.count / geometry.imageSize
        return infer(input)
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        let g = geometry
        let c = g.channels
        var dx = [Scalar](repeating: 0, count: cachedBatch * g.imageSize)
        gradient.scalars.withUnsafeBufferPointer { dy in
            dx.withUnsafeMutableBufferPointer { d in
                forEachWindow(batch: cachedBatch) { n, pixel, rows, columns in
                    let scale = 1 / Scalar(rows.count * columns.count)
                    let upstream = dy.baseAddress! + pixel * c
                    for iy in rows {
                        for ix in columns {
                            let target = d.baseAddress! + n * g.imageSize + (iy * g.inputWidth + ix) * c
                            for ch in 0..<c { target[ch] += upstream[ch] * scale }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [cachedBatch, g.inputHeight, g.inputWidth, c], scalars: dx)
    }
}
