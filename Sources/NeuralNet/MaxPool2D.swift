/// Max pooling over NHWC images, as Keras' `MaxPooling2D`: padded (same) positions never win, and on ties the
/// first maximum in window order (row, then column) takes the gradient, as TensorFlow does.
final class MaxPool2D<Scalar: NNScalar>: Layer {
    let geometry: ConvolutionGeometry
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []
    /// For each output element of the last training batch, the offset of its maximum within its input image.
    private var cachedArgmax: [Int32] = []
    private var cachedBatch = 0

    init(geometry: ConvolutionGeometry) { self.geometry = geometry }

    var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, geometry.channels] }

    private func pool(_ input: Tensor<Scalar>, recordArgmax: Bool) -> Tensor<Scalar> {
        let g = geometry
        let batch = input.count / g.imageSize
        let outputCount = batch * g.outputPositions * g.channels
        var argmax = [Int32](repeating: 0, count: recordArgmax ? outputCount : 0)
        var output: [Scalar] = uninitializedArray(outputCount)
        input.scalars.withUnsafeBufferPointer { xb in
            output.withUnsafeMutableBufferPointer { yb in
                argmax.withUnsafeMutableBufferPointer { ab in
                    let x = xb.baseAddress!
                    let y = yb.baseAddress!
                    let a = recordArgmax ? ab.baseAddress : nil
                    splitAcrossCores(batch) { images in
                        g.maxPool(x, into: y, argmax: a, images: images)
                    }
                }
            }
        }
        if recordArgmax {
            cachedArgmax = argmax
            cachedBatch = batch
        }
        return Tensor(shape: [batch, g.outputHeight, g.outputWidth, g.channels], scalars: output)
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> { pool(input, recordArgmax: false) }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        pool(input, recordArgmax: true)
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        let g = geometry
        var dx: [Scalar] = zeros(cachedBatch * g.imageSize)
        dx.withUnsafeMutableBufferPointer { d in
            gradient.scalars.withUnsafeBufferPointer { dy in
                cachedArgmax.withUnsafeBufferPointer { a in
                    scatterAdd(dy, at: a, perImage: g.outputPositions * g.channels, imageSize: g.imageSize, into: d)
                }
            }
        }
        return Tensor(shape: [cachedBatch, g.inputHeight, g.inputWidth, g.channels], scalars: dx)
    }
}

extension ConvolutionGeometry {
    /// Max-pools `images` of the NHWC batch at `x` into `y`; with `argmax`, records each maximum's offset within its image
    /// (the first maximum in window order wins ties; padded positions never take part).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func maxPool<Scalar: NNScalar>(
        _ x: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>, argmax: UnsafeMutablePointer<Int32>?, images: Range<Int>
    ) {
        let g = self
        let c = g.channels
        for n in images {
            let image = x + n * g.imageSize
            for oy in 0..<g.outputHeight {
                let y0 = max(oy * g.strideHeight - g.padTop, 0)
                let y1 = min(oy * g.strideHeight - g.padTop + g.kernelHeight, g.inputHeight)
                for ox in 0..<g.outputWidth {
                    let x0 = max(ox * g.strideWidth - g.padLeft, 0)
                    let x1 = min(ox * g.strideWidth - g.padLeft + g.kernelWidth, g.inputWidth)
                    let outOffset = ((n * g.outputHeight + oy) * g.outputWidth + ox) * c
                    let out = y + outOffset
                    // The window always holds at least one real pixel (same padding never exceeds the kernel).
                    let first = (y0 * g.inputWidth + x0) * c
                    if y1 - y0 == 2 && x1 - x0 == 2 {
                        // A whole 2x2 window (the usual pool) in one vectorised pass, maxima taken in the same
                        // order as the general loop below.
                        let a = image + first
                        let b = a + c
                        let d = a + g.inputWidth * c
                        let e = d + c
                        guard let argmax else {
                            for ch in 0..<c { out[ch] = fastMax(fastMax(fastMax(a[ch], b[ch]), d[ch]), e[ch]) }
                            continue
                        }
                        // With the argmax: strictly greater moves it, so the first maximum in window order keeps
                        // it, as in the general loop (masks rather than branches, so that the loop vectorizes).
                        let indices = argmax + outOffset
                        let offsetA = Int32(truncatingIfNeeded: first)
                        let offsetB = offsetA &+ Int32(truncatingIfNeeded: c)
                        let offsetD = offsetA &+ Int32(truncatingIfNeeded: g.inputWidth * c)
                        let offsetE = offsetD &+ Int32(truncatingIfNeeded: c)
                        for ch in 0..<c {
                            let channel = Int32(truncatingIfNeeded: ch)
                            var m = a[ch]
                            var index = offsetA &+ channel
                            let vb = b[ch]
                            let maskB: Int32 = vb > m ? -1 : 0
                            m = Swift.max(m, vb)
                            index = ((offsetB &+ channel) & maskB) | (index & ~maskB)
                            let vd = d[ch]
                            let maskD: Int32 = vd > m ? -1 : 0
                            m = Swift.max(m, vd)
                            index = ((offsetD &+ channel) & maskD) | (index & ~maskD)
                            let ve = e[ch]
                            let maskE: Int32 = ve > m ? -1 : 0
                            m = Swift.max(m, ve)
                            index = ((offsetE &+ channel) & maskE) | (index & ~maskE)
                            out[ch] = m
                            indices[ch] = index
                        }
                        continue
                    }
                    out.update(from: image + first, count: c)
                    if let argmax {
                        let indices = argmax + outOffset
                        for ch in 0..<c { indices[ch] = Int32(truncatingIfNeeded: first + ch) }
                    }
                    for iy in y0..<y1 {
                        for ix in x0..<x1 {
                            let offset = (iy * g.inputWidth + ix) * c
                            let source = image + offset
                            if let argmax {
                                let indices = argmax + outOffset
                                let offset32 = Int32(truncatingIfNeeded: offset)
                                for ch in 0..<c {
                                    // Strictly greater: the first maximum in window order keeps the gradient (as TF).
                                    let s = source[ch]
                                    let o = out[ch]
                                    // Masks rather than conditional stores, so that the loop vectorizes.
                                    let mask: Int32 = s > o ? -1 : 0
                                    out[ch] = Swift.max(o, s)
                                    indices[ch] = ((offset32 &+ Int32(truncatingIfNeeded: ch)) & mask) | (indices[ch] & ~mask)
                                }
                            } else {
                                for ch in 0..<c {
                                    let s = source[ch]
                                    let o = out[ch]
                                    out[ch] = Swift.max(o, s)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `Swift.max(x, y)` except that of two equal zeros it may return either sign: one `maxps`/`maxpd` instruction,
/// where `Swift.max`'s tie rule (`y >= x ? y : x`) costs a compare and a blend in baseline x86-64 code. The value is
/// the same; a NaN propagates as with `Swift.max` (here x86's rule returns the second operand, `x`). Inference's
/// 2x2 pool was 8-9% of `predict`'s CPU time on the seed CNN with `Swift.max`.
@inline(__always)
private func fastMax<Scalar: NNScalar>(_ x: Scalar, _ y: Scalar) -> Scalar { y > x ? y : x }
