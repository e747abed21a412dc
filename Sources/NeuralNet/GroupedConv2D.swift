import ModelSpec

/// A 2-D convolution over NHWC images with dilation and groups: Keras' `Conv2D(dilation_rate, groups)`,
/// `DepthwiseConv2D` (groups = channels, each group `depth_multiplier` filters) and, on images one row high,
/// `Conv1D`.
///
/// The kernel is stored as (kh, kw, in / groups, filters) in memory, which is also the memory order of a depthwise
/// kernel (kh, kw, in, multiplier) and of a Conv1D kernel (k, in / groups, filters); `kernelShape` keeps the shape
/// Keras gives it. Group g reads input channels `g * in/groups ..<` and writes filters `g * filters/groups ..<`.
/// Each group is one im2col (taps spread by the dilation, padding read as zero) and one GEMM against its block of
/// kernel columns; the backward pass recomputes the patches rather than caching them.
final class GroupedConv2D<Scalar: NNScalar>: InferenceCachingLayer {
    let inputShape: [Int]
    let kernelHeight: Int, kernelWidth: Int
    let strideHeight: Int, strideWidth: Int
    let dilationHeight: Int, dilationWidth: Int
    let groups: Int
    let filters: Int
    let activation: Activation
    let useBias: Bool
    let outputShape: [Int]
    private let padTop: Int, padLeft: Int
    var parameters: [Tensor<Scalar>]
    private(set) var gradients: [Tensor<Scalar>] = []
    var forwardCache: (input: Tensor<Scalar>, output: Tensor<Scalar>)?

    /// `inputShape` is (h, w, c); `kernelShape` the shape the kernel tensor carries (its element count must be
    /// kh * kw * c / groups * filters). The shape rules have checked that the window fits and groups divide.
    init(
        inputShape: [Int], kernelShape: [Int], kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
        dilationHeight: Int, dilationWidth: Int, padding: Padding, groups: Int, filters: Int, activation: Activation, useBias: Bool
    ) {
        self.inputShape = inputShape
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        self.groups = groups
        self.filters = filters
        self.activation = activation
        self.useBias = useBias
        let rows = padding.geometry(input: inputShape[0], kernel: (kernelHeight - 1) * dilationHeight + 1, stride: strideHeight)!
        let columns = padding.geometry(input: inputShape[1], kernel: (kernelWidth - 1) * dilationWidth + 1, stride: strideWidth)!
        padTop = rows.padBefore
        padLeft = columns.padBefore
        outputShape = [rows.output, columns.output, filters]
        precondition(
            kernelShape.reduce(1, *) == kernelHeight * kernelWidth * inputShape[2] / groups * filters, "kernel shape \(kernelShape)")
        parameters = [Tensor(zeros: kernelShape)] + (useBias ? [Tensor(zeros: [filters])] : [])
    }

    var finalActivation: Activation { activation }
    private var imageSize: Int { inputShape.reduce(1, *) }
    private var positions: Int { outputShape[0] * outputShape[1] }
    private var groupChannels: Int { inputShape[2] / groups }
    private var groupFilters: Int { filters / groups }
    /// The length of one patch row of one group: taps times the group's channels.
    private var patchSize: Int { kernelHeight * kernelWidth * groupChannels }

    /// For every image in `images`, output position and kernel tap, in patch-matrix order, calls
    /// `body(image, pixel)` with the row-major input pixel the tap reads, or nil where it falls in the padding.
    @inline(__always)
    private func forEachTap(images: Range<Int>, _ body: (Int, Int?) -> Void) {
        let (h, w) = (inputShape[0], inputShape[1])
        let (oh, ow) = (outputShape[0], outputShape[1])
        for n in images {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for ky in 0..<kernelHeight {
                        let iy = oy * strideHeight - padTop + ky * dilationHeight
                        for kx in 0..<kernelWidth {
                            let ix = ox * strideWidth - padLeft + kx * dilationWidth
                            body(n, iy < 0 || iy >= h || ix < 0 || ix >= w ? nil : iy * w + ix)
                        }
                    }
                }
            }
        }
    }

    /// Writes group `group`'s patch matrix rows for `images` (row = image * positions + output position).
    private func im2col(_ x: UnsafePointer<Scalar>, group: Int, images: Range<Int>, into p: UnsafeMutablePointer<Scalar>) {
        let (c, cg) = (inputShape[2], groupChannels)
        var out = p + images.lowerBound * positions * patchSize
        forEachTap(images: images) { n, pixel in
            if let pixel {
                out.update(from: x + n * imageSize + group * cg + pixel * c, count: cg)
            } else {
                out.update(repeating: 0, count: cg)
            }
            out += cg
        }
    }

    /// Adds group `group`'s patch gradients back onto the input positions they were read from (adjoint of im2col).
    private func col2im(_ p: UnsafePointer<Scalar>, group: Int, images: Range<Int>, into dx: UnsafeMutablePointer<Scalar>) {
        let (c, cg) = (inputShape[2], groupChannels)
        var patch = p + images.lowerBound * positions * patchSize
        forEachTap(images: images) { n, pixel in
            if let pixel {
                let target = dx + n * imageSize + group * cg + pixel * c
                for ch in 0..<cg { target[ch] += patch[ch] }
            }
            patch += cg
        }
    }

    /// The patch matrix of one group for the whole batch.
    private func patches(_ input: UnsafePointer<Scalar>, group: Int, batch: Int, into buffer: inout [Scalar]) {
        buffer.withUnsafeMutableBufferPointer { p in
            let target = p.baseAddress!
            splitAcrossCores(batch) { im2col(input, group: group, images: $0, into: target) }
        }
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let batch = input.count / imageSize
        let rows = batch * positions
        var result = Tensor<Scalar>(shape: [batch] + outputShape, scalars: uninitializedArray(rows * filters))
        var patchMatrix: [Scalar] = uninitializedArray(rows * patchSize)
        input.scalars.withUnsafeBufferPointer { x in
            for g in 0..<groups {
                patches(x.baseAddress!, group: g, batch: batch, into: &patchMatrix)
                patchMatrix.withUnsafeBufferPointer { p in
                    parameters[0].scalars.withUnsafeBufferPointer { k in
                        result.scalars.withUnsafeMutableBufferPointer { y in
                            Scalar.gemm(
                                transposeA: false, transposeB: false, m: rows, n: groupFilters, k: patchSize, alpha: 1, a: p.baseAddress!,
                                lda: patchSize, b: k.baseAddress! + g * groupFilters, ldb: filters, beta: 0,
                                c: y.baseAddress! + g * groupFilters, ldc: filters)
                        }
                    }
                }
            }
        }
        addBiasAndActivate(&result.scalars, parameters: parameters, useBias: useBias, activation: activation, width: filters)
        return result
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        let (input, output) = cachedForward
        let batch = input.count / imageSize
        let rows = batch * positions
        let dz = preActivationGradient(
            &gradient, output: output, activation: activation, width: filters, isPreActivation: gradientIsPreActivation)
        var dKernel: [Scalar] = uninitializedArray(parameters[0].count)
        var dBias: [Tensor<Scalar>] = []
        var dx: [Scalar] = needsInputGradient ? zeros(input.count) : []
        var patchMatrix: [Scalar] = uninitializedArray(rows * patchSize)
        var patchGradient: [Scalar] = needsInputGradient ? uninitializedArray(rows * patchSize) : []
        dz.withUnsafeBufferPointer { d in
            let dzp = d.baseAddress!
            dBias = biasGradients(d, rows: rows, width: filters, useBias: useBias)
            input.scalars.withUnsafeBufferPointer { x in
                for g in 0..<groups {
                    patches(x.baseAddress!, group: g, batch: batch, into: &patchMatrix)
                    patchMatrix.withUnsafeBufferPointer { p in
                        dKernel.withUnsafeMutableBufferPointer { dw in
                            Scalar.gemm(
                                transposeA: true, transposeB: false, m: patchSize, n: groupFilters, k: rows, alpha: 1, a: p.baseAddress!,
                                lda: patchSize, b: dzp + g * groupFilters, ldb: filters, beta: 0, c: dw.baseAddress! + g * groupFilters,
                                ldc: filters)
                        }
                    }
                    guard needsInputGradient else { continue }
                    parameters[0].scalars.withUnsafeBufferPointer { k in
                        patchGradient.withUnsafeMutableBufferPointer { dp in
                            Scalar.gemm(
                                transposeA: false, transposeB: true, m: rows, n: patchSize, k: groupFilters, alpha: 1,
                                a: dzp + g * groupFilters, lda: filters, b: k.baseAddress! + g * groupFilters, ldb: filters, beta: 0,
                                c: dp.baseAddress!, ldc: patchSize)
                        }
                    }
                    patchGradient.withUnsafeBufferPointer { dp in
                        dx.withUnsafeMutableBufferPointer { dxp in
                            let (source, target) = (dp.baseAddress!, dxp.baseAddress!)
                            splitAcrossCores(batch) { col2im(source, group: g, images: $0, into: target) }
                        }
                    }
                }
            }
        }
        gradients = [Tensor(shape: parameters[0].shape, scalars: dKernel)] + dBias
        return needsInputGradient ? Tensor(shape: input.shape, scalars: dx) : nil
    }
}
