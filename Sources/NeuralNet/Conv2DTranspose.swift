import ModelSpec

/// Keras' `Conv2DTranspose` (dilation 1) over NHWC images: kernel (kh, kw, filters, in), bias (filters).
///
/// Every input pixel scatters `kernel[ky, kx, :, :] @ x` to output (iy * sh + ky - cropTop, ix * sw + kx - cropLeft);
/// positions outside the output are dropped (`TransposedConvolutionAxis` gives the sizes and crops Keras 3 uses).
/// The products for all pixels and taps are one GEMM, x (pixels, in) @ kernel^T (in, kh * kw * filters); the
/// scatter then adds the (overlapping, when the kernel is larger than the stride) windows.
final class Conv2DTranspose<Scalar: NNScalar>: InferenceCachingLayer {
    let inputShape: [Int]
    let kernelHeight: Int, kernelWidth: Int
    let strideHeight: Int, strideWidth: Int
    let filters: Int
    let activation: Activation
    let useBias: Bool
    let outputShape: [Int]
    private let cropTop: Int, cropLeft: Int
    var parameters: [Tensor<Scalar>]
    private(set) var gradients: [Tensor<Scalar>] = []
    var forwardCache: (input: Tensor<Scalar>, output: Tensor<Scalar>)?

    /// `inputShape` is (h, w, in); the axes are the shape rules' (already checked).
    init(
        inputShape: [Int], filters: Int, kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
        rows: TransposedConvolutionAxis, columns: TransposedConvolutionAxis, activation: Activation, useBias: Bool
    ) {
        self.inputShape = inputShape
        self.filters = filters
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.activation = activation
        self.useBias = useBias
        cropTop = rows.crop
        cropLeft = columns.crop
        outputShape = [rows.output, columns.output, filters]
        parameters = [Tensor(zeros: [kernelHeight, kernelWidth, filters, inputShape[2]])] + (useBias ? [Tensor(zeros: [filters])] : [])
    }

    var finalActivation: Activation { activation }
    private var pixels: Int { inputShape[0] * inputShape[1] }
    private var columnsPerPixel: Int { kernelHeight * kernelWidth * filters }

    /// For each (input pixel, tap), calls `body(pixel row, tap, output offset)` where the tap lands in the output;
    /// offsets count from the start of the image's output.
    @inline(__always)
    private func forEachTap(_ body: (Int, Int, Int) -> Void) {
        let (h, w) = (inputShape[0], inputShape[1])
        let (oh, ow) = (outputShape[0], outputShape[1])
        for iy in 0..<h {
            for ix in 0..<w {
                for ky in 0..<kernelHeight {
                    let oy = iy * strideHeight + ky - cropTop
                    guard oy >= 0 && oy < oh else { continue }
                    for kx in 0..<kernelWidth {
                        let ox = ix * strideWidth + kx - cropLeft
                        guard ox >= 0 && ox < ow else { continue }
                        body(iy * w + ix, ky * kernelWidth + kx, (oy * ow + ox) * filters)
                    }
                }
            }
        }
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let batch = input.count / (pixels * inputShape[2])
        let rows = batch * pixels
        var columns: [Scalar] = uninitializedArray(rows * columnsPerPixel)
        input.scalars.withUnsafeBufferPointer { x in
            parameters[0].scalars.withUnsafeBufferPointer { k in
                columns.withUnsafeMutableBufferPointer { c in
                    Scalar.gemm(
                        transposeA: false, transposeB: true, m: rows, n: columnsPerPixel, k: inputShape[2], alpha: 1, a: x.baseAddress!,
                        lda: inputShape[2], b: k.baseAddress!, ldb: inputShape[2], beta: 0, c: c.baseAddress!, ldc: columnsPerPixel)
                }
            }
        }
        let perImage = outputShape.reduce(1, *)
        var output: [Scalar] = zeros(batch * perImage)
        columns.withUnsafeBufferPointer { c in
            output.withUnsafeMutableBufferPointer { y in
                let (source, target) = (c.baseAddress!, y.baseAddress!)
                let (f, perPixel) = (filters, columnsPerPixel)
                splitAcrossCores(batch) { images in
                    for n in images {
                        let image = target + n * perImage
                        let pixelBase = source + n * pixels * perPixel
                        forEachTap { pixel, tap, offset in
                            let from = pixelBase + pixel * perPixel + tap * f
                            let to = image + offset
                            for j in 0..<f { to[j] += from[j] }
                        }
                    }
                }
            }
        }
        addBiasAndActivate(&output, parameters: parameters, useBias: useBias, activation: activation, width: filters)
        return Tensor(shape: [batch] + outputShape, scalars: output)
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        let (input, output) = cachedForward
        let c = inputShape[2]
        let batch = input.count / (pixels * c)
        let rows = batch * pixels
        let dz = preActivationGradient(
            &gradient, output: output, activation: activation, width: filters, isPreActivation: gradientIsPreActivation)
        // The gradient of the scattered columns is a gather of the output gradient (zero where a tap fell outside).
        let perImage = outputShape.reduce(1, *)
        var dColumns: [Scalar] = zeros(rows * columnsPerPixel)
        dz.withUnsafeBufferPointer { d in
            dColumns.withUnsafeMutableBufferPointer { dc in
                let (source, target) = (d.baseAddress!, dc.baseAddress!)
                let (f, perPixel) = (filters, columnsPerPixel)
                splitAcrossCores(batch) { images in
                    for n in images {
                        let image = source + n * perImage
                        let pixelBase = target + n * pixels * perPixel
                        forEachTap { pixel, tap, offset in (pixelBase + pixel * perPixel + tap * f).update(from: image + offset, count: f) }
                    }
                }
            }
        }
        var dKernel: [Scalar] = uninitializedArray(columnsPerPixel * c)
        var dx: [Scalar] = needsInputGradient ? uninitializedArray(rows * c) : []
        let dBias = dz.withUnsafeBufferPointer { biasGradients($0, rows: batch * perImage / filters, width: filters, useBias: useBias) }
        dColumns.withUnsafeBufferPointer { dc in
            input.scalars.withUnsafeBufferPointer { x in
                dKernel.withUnsafeMutableBufferPointer { dk in
                    Scalar.gemm(
                        transposeA: true, transposeB: false, m: columnsPerPixel, n: c, k: rows, alpha: 1, a: dc.baseAddress!,
                        lda: columnsPerPixel, b: x.baseAddress!, ldb: c, beta: 0, c: dk.baseAddress!, ldc: c)
                }
            }
            if needsInputGradient {
                parameters[0].scalars.withUnsafeBufferPointer { k in
                    dx.withUnsafeMutableBufferPointer { d in
                        Scalar.gemm(
                            transposeA: false, transposeB: false, m: rows, n: c, k: columnsPerPixel, alpha: 1, a: dc.baseAddress!,
                            lda: columnsPerPixel, b: k.baseAddress!, ldb: c, beta: 0, c: d.baseAddress!, ldc: c)
                    }
                }
            }
        }
        gradients = [Tensor(shape: parameters[0].shape, scalars: dKernel)] + dBias
        return needsInputGradient ? Tensor(shape: input.shape, scalars: dx) : nil
    }
}
