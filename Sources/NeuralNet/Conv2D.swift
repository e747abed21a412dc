/// A 2-D convolution over NHWC images with an HWIO kernel (kh, kw, in, filters) and bias (filters), as Keras'
/// `Conv2D` (cross-correlation, channels-last, valid or TF-style same padding, strides).
///
/// Computed as im2col + one GEMM per batch: patches (batch * oh * ow, kh * kw * in) @ kernel (kh * kw * in, filters).
final class Conv2D<Scalar: NNScalar>: Layer {
    let geometry: ConvolutionGeometry
    let filters: Int
    let activation: Activation
    let useBias: Bool
    var parameters: [Tensor<Scalar>]
    private(set) var gradients: [Tensor<Scalar>] = []
    private var cachedPatches: [Scalar] = []
    private var cachedOutput: Tensor<Scalar>?
    private var cachedBatch = 0

    init(geometry: ConvolutionGeometry, filters: Int, activation: Activation, useBias: Bool) {
        self.geometry = geometry
        self.filters = filters
        self.activation = activation
        self.useBias = useBias
        parameters =
            [Tensor(zeros: [geometry.kernelHeight, geometry.kernelWidth, geometry.channels, filters])]
            + (useBias ? [Tensor(zeros: [filters])] : [])
    }

    var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, filters] }
    var finalActivation: Activation { activation }

    /// The patch matrix of `input` (or the input itself for 1x1/stride-1 kernels).
    private func patches(_ input: Tensor<Scalar>, batch: Int) -> [Scalar] {
        if geometry.isIdentityPatching { return input.scalars }
        let g = geometry
        return [Scalar](unsafeUninitializedCapacity: batch * g.outputPositions * g.patchSize) { buffer, initialized in
            input.scalars.withUnsafeBufferPointer { x in
                let source = x.baseAddress!
                let target = buffer.baseAddress!
                splitAcrossCores(batch) { g.im2col(source, images: $0, into: target) }
            }
            initialized = buffer.count
        }
    }

    private func convolve(_ patchMatrix: [Scalar], batch: Int) -> Tensor<Scalar> {
        let g = geometry
        let rows = batch * g.outputPositions
        var output: [Scalar] = zeros(rows * filters)
        patchMatrix.withUnsafeBufferPointer { p in
            parameters[0].scalars.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    Scalar.gemm(
                        transposeA: false, transposeB: false, m: rows, n: filters, k: g.patchSize, alpha: 1,
                        a: p.baseAddress!, lda: g.patchSize, b: w.baseAddress!, ldb: filters, beta: 0, c: y.baseAddress!, ldc: filters)
                    let bias = useBias ? parameters[1].scalars : []
                    let activation = self.activation
                    let filters = self.filters
                    bias.withUnsafeBufferPointer { b in
                        let base = y.baseAddress!
                        splitAcrossCores(batch) { images in
                            let slice = UnsafeMutableBufferPointer(
                                start: base + images.lowerBound * g.outputPositions * filters,
                                count: images.count * g.outputPositions * filters)
                            if !b.isEmpty { addRowBias(slice, b) }
                            activation.apply(slice, width: filters)
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch, g.outputHeight, g.outputWidth, filters], scalars: output)
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let batch = input.count / geometry.imageSize
        return convolve(patches(input, batch: batch), batch: batch)
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        let batch = input.count / geometry.imageSize
        cachedPatches = patches(input, batch: batch)
        cachedBatch = batch
        let output = convolve(cachedPatches, batch: batch)
        cachedOutput = output
        return output
    }

    func backward(_ gradient: Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard let output = cachedOutput else { preconditionFailure("Conv2D.backward before forward") }
        let g = geometry
        let batch = cachedBatch
        let rows = batch * g.outputPositions
        var dz = gradient.scalars
        if !gradientIsPreActivation {
            output.scalars.withUnsafeBufferPointer { y in
                dz.withUnsafeMutableBufferPointer { activation.backward(output: y, gradient: $0, width: filters) }
            }
        }
        var dKernel: [Scalar] = zeros(g.patchSize * filters)
        var dBias: [Scalar] = zeros(useBias ? filters : 0)
        var dInput: [Scalar]? = nil
        dz.withUnsafeBufferPointer { dzp in
            cachedPatches.withUnsafeBufferPointer { p in
                dKernel.withUnsafeMutableBufferPointer { dw in
                    Scalar.gemm(
                        transposeA: true, transposeB: false, m: g.patchSize, n: filters, k: rows, alpha: 1,
                        a: p.baseAddress!, lda: g.patchSize, b: dzp.baseAddress!, ldb: filters, beta: 0, c: dw.baseAddress!, ldc: filters)
                }
            }
            if useBias { dBias.withUnsafeMutableBufferPointer { columnSums(dzp, rows: rows, columns: filters, into: $0) } }
            if needsInputGradient {
                var dPatches: [Scalar] = zeros(rows * g.patchSize)
                parameters[0].scalars.withUnsafeBufferPointer { w in
                    dPatches.withUnsafeMutableBufferPointer { dp in
                        Scalar.gemm(
                            transposeA: false, transposeB: true, m: rows, n: g.patchSize, k: filters, alpha: 1,
                            a: dzp.baseAddress!, lda: filters, b: w.baseAddress!, ldb: filters, beta: 0, c: dp.baseAddress!,
                            ldc: g.patchSize)
                    }
                }
                if g.isIdentityPatching {
                    dInput = dPatches
                } else {
                    var dx: [Scalar] = zeros(batch * g.imageSize)
                    dPatches.withUnsafeBufferPointer { dp in
                        dx.withUnsafeMutableBufferPointer { dxp in
                            let source = dp.baseAddress!
                            let target = dxp.baseAddress!
                            splitAcrossCores(batch) { g.col2im(source, images: $0, into: target) }
                        }
                    }
                    dInput = dx
                }
            }
        }
        gradients =
            [Tensor(shape: [g.kernelHeight, g.kernelWidth, g.channels, filters], scalars: dKernel)]
            + (useBias ? [Tensor(shape: [filters], scalars: dBias)] : [])
        return dInput.map { Tensor(shape: [batch, g.inputHeight, g.inputWidth, g.channels], scalars: $0) }
    }
}
