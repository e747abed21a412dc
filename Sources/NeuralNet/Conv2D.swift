import CKernels

/// A 2-D convolution over NHWC images with an HWIO kernel (kh, kw, in, filters) and bias (filters), as Keras'
/// `Conv2D` (cross-correlation, channels-last, valid or TF-style same padding, strides).
///
/// Computed as im2col + one GEMM per batch: patches (batch * oh * ow, kh * kw * in) @ kernel (kh * kw * in, filters).
/// `Float` 3x3 stride-1 kernels on several input channels run Winograd's F(2x2, 3x3) (`WinogradConvolution`) for
/// inference and for the training forward pass (whose patches stay for the gradients); other shapes with several
/// input channels infer through oneDNN's convolution primitive (`DNNLConvolution`; im2col + GEMM remains for shapes
/// it refuses, `Double`, and gradients); inference on one-channel inputs builds the patch matrix transposed (long
/// row copies). `Sequential` may pool the raw convolution before the bias and activation (see
/// `commutesWithMaxPool`), in the same pass for the one-channel and Winograd kernels (`inferRawMaxPooled`).
final class Conv2D<Scalar: NNScalar>: Layer {
    let geometry: ConvolutionGeometry
    let filters: Int
    let activation: Activation
    let useBias: Bool
    var parameters: [Tensor<Scalar>] {
        didSet {  // Their plans hold copies of the kernel.
            dnnlConvolution?.invalidate()
            winograd?.invalidate()
        }
    }
    private(set) var gradients: [Tensor<Scalar>] = []
    private var cachedPatches: [Scalar] = []
    private var cachedOutput: Tensor<Scalar>?
    private var cachedBatch = 0
    /// Reused between batches: the patch-matrix gradient (large, so not reallocated every step).
    private var patchGradients: [Scalar] = []
    /// oneDNN's convolutions of this layer, for `Float` inference on several input channels (nil otherwise). One
    /// input channel stays on the transposed im2col + GEMM, which oneDNN's primitive did not beat (0.10 s against
    /// 0.03 s per core for the seed CNN's first layer on 5,000 images); so do 1x1 kernels, whose GEMM needs no
    /// im2col.
    private let dnnlConvolution: DNNLConvolution?
    /// Winograd F(2x2, 3x3) for `Float` inference of 3x3 stride-1 kernels over several channels (nil otherwise):
    /// 2.25x fewer multiply-adds than either path above, and the same results on every CPU.
    private let winograd: WinogradConvolution?

    init(geometry: ConvolutionGeometry, filters: Int, activation: Activation, useBias: Bool) {
        self.geometry = geometry
        self.filters = filters
        self.activation = activation
        self.useBias = useBias
        parameters =
            [Tensor(zeros: [geometry.kernelHeight, geometry.kernelWidth, geometry.channels, filters])]
            + (useBias ? [Tensor(zeros: [filters])] : [])
        let winograd = Scalar.self == Float.self ? WinogradConvolution(geometry: geometry, filters: filters) : nil
        self.winograd = winograd
        // oneDNN's primitive only for the shapes Winograd does not take (it would never run for the others).
        dnnlConvolution =
            Scalar.self == Float.self && winograd == nil && geometry.channels > 1 && !geometry.isIdentityPatching
            ? DNNLConvolution(geometry: geometry, filters: filters) : nil
    }

    var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, filters] }
    var finalActivation: Activation { activation }

    /// The patch matrix of `input` (or the input itself for 1x1/stride-1 kernels), written into `buffer` in place
    /// when it already has the right size and no other owner.
    private func patches(_ input: Tensor<Scalar>, batch: Int, into buffer: inout [Scalar]) {
        if geometry.isIdentityPatching {
            buffer = input.scalars
            return
        }
        let g = geometry
        let count = batch * g.outputPositions * g.patchSize
        if buffer.count != count { buffer = uninitializedArray(count) }
        input.scalars.withUnsafeBufferPointer { x in
            buffer.withUnsafeMutableBufferPointer { p in
                let source = x.baseAddress!
                let target = p.baseAddress!
                splitAcrossCores(batch) { g.im2col(source, images: $0, into: target) }
            }
        }
    }

    /// Whether inference builds the transposed patch matrix (`ConvolutionGeometry.im2colTransposed`): for
    /// one-channel inputs, whose patch rows are only kh * kw scalars long.
    private var transposesPatchesForInference: Bool { geometry.channels == 1 && !geometry.isIdentityPatching }

    /// The transposed patch matrix (patchSize, batch * outputPositions) of a one-channel `input`.
    private func transposedPatches(_ input: Tensor<Scalar>, batch: Int) -> [Scalar] {
        let g = geometry
        var buffer: [Scalar] = uninitializedArray(batch * g.outputPositions * g.patchSize)
        input.scalars.withUnsafeBufferPointer { x in
            buffer.withUnsafeMutableBufferPointer { p in
                let source = x.baseAddress!
                let target = p.baseAddress!
                splitAcrossCores(batch) { g.im2colTransposed(source, images: $0, batch: batch, into: target) }
            }
        }
        return buffer
    }

    /// The convolution of the patch matrix (given transposed if `transposed`); with `finish`, the bias and
    /// activation too.
    private func convolve(_ patchMatrix: [Scalar], batch: Int, transposed: Bool = false, finish: Bool = true) -> Tensor<Scalar> {
        let g = geometry
        let rows = batch * g.outputPositions
        // Built inside the tensor, so that `addBiasAndActivate` mutates a uniquely referenced buffer (a separate
        // `output` array still alive here made it copy the whole output, 11 MB per batch for the first layer).
        var result = Tensor<Scalar>(shape: [batch, g.outputHeight, g.outputWidth, filters], scalars: uninitializedArray(rows * filters))
        patchMatrix.withUnsafeBufferPointer { p in
            parameters[0].scalars.withUnsafeBufferPointer { w in
                result.scalars.withUnsafeMutableBufferPointer { y in
                    Scalar.gemm(
                        transposeA: transposed, transposeB: false, m: rows, n: filters, k: g.patchSize, alpha: 1,
                        a: p.baseAddress!, lda: transposed ? rows : g.patchSize, b: w.baseAddress!, ldb: filters, beta: 0,
                        c: y.baseAddress!, ldc: filters)
                }
            }
        }
        if finish { addBiasAndActivate(&result) }
        return result
    }

    /// Adds the bias and applies the activation in place to `values`, whose last axis is the filters (the raw
    /// convolution, or a max-pool of it; see `commutesWithMaxPool`).
    func addBiasAndActivate(_ values: inout Tensor<Scalar>) {
        let bias = useBias ? parameters[1].scalars : []
        let activation = self.activation
        let filters = self.filters
        let images = values.shape[0]
        let perImage = images == 0 ? 0 : values.count / images
        bias.withUnsafeBufferPointer { b in
            values.scalars.withUnsafeMutableBufferPointer { y in
                let base = y.baseAddress!
                splitAcrossCores(images) { range in
                    let slice = UnsafeMutableBufferPointer(start: base + range.lowerBound * perImage, count: range.count * perImage)
                    NeuralNet.addBiasAndActivate(slice, bias: b, activation: activation, width: filters)
                }
            }
        }
    }

    /// True when max-pooling the raw convolution and then adding the bias and activating gives exactly the values
    /// of pooling the finished output: adding a per-filter constant and ReLU (or no activation) are monotone in
    /// floating point, so they never change which value is the maximum. Inference then finishes a quarter of the
    /// values for a 2x2 pool.
    var commutesWithMaxPool: Bool { activation == .relu || activation == .linear }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> { infer(input, finish: true) }

    /// Inference without the bias and activation (finish with `addBiasAndActivate`).
    func inferRaw(_ input: Tensor<Scalar>) -> Tensor<Scalar> { infer(input, finish: false) }

    private func infer(_ input: Tensor<Scalar>, finish: Bool) -> Tensor<Scalar> {
        let batch = input.count / geometry.imageSize
        if let winograd, batch > 0 {
            var result = winogradInfer(input, batch: batch, with: winograd)
            if finish { addBiasAndActivate(&result) }
            return result
        }
        if let dnnlConvolution, batch > 0, var result = dnnlInfer(input, batch: batch, with: dnnlConvolution) {
            if finish { addBiasAndActivate(&result) }
            return result
        }
        if Scalar.self == Float.self, geometry.channels == 1, batch > 0 {
            var result = oneChannelInfer(input, batch: batch)
            if finish { addBiasAndActivate(&result) }
            return result
        }
        if transposesPatchesForInference {
            return convolve(transposedPatches(input, batch: batch), batch: batch, transposed: true, finish: finish)
        }
        var patchMatrix: [Scalar] = []
        patches(input, batch: batch, into: &patchMatrix)
        return convolve(patchMatrix, batch: batch, finish: finish)
    }

    /// The raw convolution (NHWC, no bias or activation) of `batch` images by one of the `Float` kernels, each
    /// image's output of shape `imageShape` (the convolution's own by default; a pooled one for
    /// `inferRawMaxPooled`): `body` gets the input, the HWIO kernel and the output as `Float` pointers (`Scalar` is
    /// `Float` whenever those kernels exist) and says whether it wrote the output; nil when it did not.
    private func floatConvolution(
        _ input: Tensor<Scalar>, batch: Int, imageShape: [Int]? = nil,
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Bool
    ) -> Tensor<Scalar>? {
        let g = geometry
        let shape = imageShape ?? [g.outputHeight, g.outputWidth, filters]
        var result = Tensor<Scalar>(shape: [batch] + shape, scalars: uninitializedArray(batch * shape.reduce(1, *)))
        let done = input.scalars.withUnsafeBufferPointer { x in
            parameters[0].scalars.withUnsafeBufferPointer { w in
                result.scalars.withUnsafeMutableBufferPointer { y in
                    body(
                        UnsafeRawPointer(x.baseAddress!).assumingMemoryBound(to: Float.self),
                        UnsafeRawPointer(w.baseAddress!).assumingMemoryBound(to: Float.self),
                        UnsafeMutableRawPointer(y.baseAddress!).assumingMemoryBound(to: Float.self))
                }
            }
        }
        return done ? result : nil
    }

    /// The raw convolution by oneDNN, nil if oneDNN refused this batch size.
    private func dnnlInfer(_ input: Tensor<Scalar>, batch: Int, with convolution: DNNLConvolution) -> Tensor<Scalar>? {
        floatConvolution(input, batch: batch) { x, kernel, y in convolution.convolve(x, batch: batch, kernel: kernel, into: y) }
    }

    /// The raw convolution of one-channel images by `weightbridge_convolve_one_channel` (CKernels): eight filters per
    /// FMA where im2col's GEMM had only kh * kw terms per dot product. Split over the cores for batches of 16 images
    /// or more (`predict`'s workers call it with tiles of 8).
    private func oneChannelInfer(_ input: Tensor<Scalar>, batch: Int) -> Tensor<Scalar> {
        let g = geometry
        let filters = self.filters
        return floatConvolution(input, batch: batch) { source, kernel, target in
            splitAcrossCores(batch) { range in
                weightbridge_convolve_one_channel(
                    source + range.lowerBound * g.imageSize, range.count, g.inputHeight, g.inputWidth, kernel, g.kernelHeight,
                    g.kernelWidth, filters, g.strideHeight, g.strideWidth, g.padTop, g.padLeft, g.outputHeight, g.outputWidth,
                    target + range.lowerBound * g.outputPositions * filters)
            }
            return true
        }!
    }

    /// The raw convolution max-pooled by `pool`, in one pass, for the `Float` one-channel and Winograd kernels when
    /// `pool` is a 2x2 window of stride 2 without padding over this layer's whole output; nil otherwise (pool the raw
    /// output then). The convolution's whole output is then never written out and read back by the pool; Winograd
    /// also skips the tiles of an odd last output row or column, which the pool drops.
    func inferRawMaxPooled(_ input: Tensor<Scalar>, by pool: ConvolutionGeometry) -> Tensor<Scalar>? {
        let g = geometry
        let batch = input.count / g.imageSize
        guard Scalar.self == Float.self, dnnlConvolution == nil, batch > 0, winograd != nil || g.channels == 1,
            pool.kernelHeight == 2, pool.kernelWidth == 2, pool.strideHeight == 2, pool.strideWidth == 2, pool.padTop == 0,
            pool.padLeft == 0, pool.inputHeight == g.outputHeight, pool.inputWidth == g.outputWidth, pool.channels == filters,
            pool.outputHeight == g.outputHeight / 2, pool.outputWidth == g.outputWidth / 2, pool.outputHeight > 0,
            pool.outputWidth > 0
        else { return nil }
        let filters = self.filters
        let pooledShape = [pool.outputHeight, pool.outputWidth, filters]
        if let winograd {
            return floatConvolution(input, batch: batch, imageShape: pooledShape) { x, kernel, y in
                winograd.convolve(x, batch: batch, kernel: kernel, into: y, maxPooled: true)
                return true
            }
        }
        let pooledSize = pool.outputPositions * filters
        return floatConvolution(input, batch: batch, imageShape: pooledShape) { source, kernel, target in
            splitAcrossCores(batch) { range in
                let rows = UnsafeMutablePointer<Float>.allocate(capacity: 2 * g.outputWidth * filters)
                defer { rows.deallocate() }
                weightbridge_convolve_one_channel_max_pool(
                    source + range.lowerBound * g.imageSize, range.count, g.inputHeight, g.inputWidth, kernel, g.kernelHeight,
                    g.kernelWidth, filters, g.strideHeight, g.strideWidth, g.padTop, g.padLeft, g.outputHeight, g.outputWidth,
                    target + range.lowerBound * pooledSize, rows)
            }
            return true
        }
    }

    /// The raw convolution by Winograd's F(2x2, 3x3).
    private func winogradInfer(_ input: Tensor<Scalar>, batch: Int, with convolution: WinogradConvolution) -> Tensor<Scalar> {
        floatConvolution(input, batch: batch) { x, kernel, y in
            convolution.convolve(x, batch: batch, kernel: kernel, into: y)
            return true
        }!
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        let batch = input.count / geometry.imageSize
        patches(input, batch: batch, into: &cachedPatches)  // Reuses last batch's buffer in place; backward reads it.
        cachedBatch = batch
        let output: Tensor<Scalar>
        if let winograd, batch > 0 {
            // Winograd's 2.25x fewer multiply-adds for the forward product too; the patches stay for the gradients.
            var result = winogradInfer(input, batch: batch, with: winograd)
            addBiasAndActivate(&result)
            output = result
        } else {
            output = convolve(cachedPatches, batch: batch)
        }
        cachedOutput = output
        return output
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard let output = cachedOutput else { preconditionFailure("Conv2D.backward before forward") }
        let g = geometry
        let batch = cachedBatch
        let rows = batch * g.outputPositions
        let dz = preActivationGradient(
            &gradient, output: output, activation: activation, width: filters, isPreActivation: gradientIsPreActivation)
        var dKernel: [Scalar] = uninitializedArray(g.patchSize * filters)
        var dBias: [Tensor<Scalar>] = []
        var dInput: [Scalar]? = nil
        dz.withUnsafeBufferPointer { dzp in
            cachedPatches.withUnsafeBufferPointer { p in
                dKernel.withUnsafeMutableBufferPointer { dw in
                    Scalar.gemm(
                        transposeA: true, transposeB: false, m: g.patchSize, n: filters, k: rows, alpha: 1,
                        a: p.baseAddress!, lda: g.patchSize, b: dzp.baseAddress!, ldb: filters, beta: 0, c: dw.baseAddress!, ldc: filters)
                }
            }
            dBias = biasGradients(dzp, rows: rows, width: filters, useBias: useBias)
            if needsInputGradient {
                var dPatches: [Scalar] = []
                swap(&dPatches, &patchGradients)
                if dPatches.count != rows * g.patchSize { dPatches = uninitializedArray(rows * g.patchSize) }
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
                    patchGradients = dPatches  // Keep the buffer for the next batch.
                }
            }
        }
        gradients =
            [Tensor(shape: [g.kernelHeight, g.kernelWidth, g.channels, filters], scalars: dKernel)] + dBias
        return dInput.map { Tensor(shape: [batch, g.inputHeight, g.inputWidth, g.channels], scalars: $0) }
    }
}
