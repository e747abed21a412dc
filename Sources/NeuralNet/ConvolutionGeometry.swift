import Dispatch

/// The sliding-window arithmetic shared by Conv2D and MaxPool2D on NHWC images, and the im2col/col2im copies
/// that turn a convolution into one matrix product.
///
/// A patch row is ordered (kernel row, kernel column, channel), which matches an HWIO kernel reshaped to
/// (kh * kw * in, out). Out-of-image (padding) taps read as zero.
struct ConvolutionGeometry: Sendable, Equatable {
    let inputHeight: Int, inputWidth: Int, channels: Int
    let kernelHeight: Int, kernelWidth: Int
    let strideHeight: Int, strideWidth: Int
    let outputHeight: Int, outputWidth: Int
    let padTop: Int, padLeft: Int

    /// Nil when the window does not fit the input with this padding.
    init?(input: [Int], kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padding: Padding) {
        guard input.count == 3,
            let rows = padding.geometry(input: input[0], kernel: kernelHeight, stride: strideHeight),
            let columns = padding.geometry(input: input[1], kernel: kernelWidth, stride: strideWidth),
            input[2] > 0
        else { return nil }
        inputHeight = input[0]
        inputWidth = input[1]
        channels = input[2]
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        outputHeight = rows.output
        outputWidth = columns.output
        padTop = rows.padBefore
        padLeft = columns.padBefore
    }

    var imageSize: Int { inputHeight * inputWidth * channels }
    var outputPositions: Int { outputHeight * outputWidth }
    var patchSize: Int { kernelHeight * kernelWidth * channels }
    /// True when the patch matrix is the input itself (1x1 kernel, stride 1, no padding).
    var isIdentityPatching: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1 && padTop == 0 && padLeft == 0
    }
}

extension ConvolutionGeometry {
    /// Calls `body(image, patch row, iy, x0)` for every (image, output position, kernel row) of `images`, in
    /// patch-matrix order: `patch row` is the offset of that row's `kernelWidth * channels` scalars in the patch
    /// matrix, `iy` the input row it reads (outside `0..<inputHeight` in the padding) and `x0` the input column of
    /// its first tap (negative in the padding). im2col and its adjoint col2im share this walk.
    @inline(__always)
    private func forEachPatchRow(images: Range<Int>, _ body: (Int, Int, Int, Int) -> Void) {
        let rowLength = kernelWidth * channels
        for n in images {
            var row = n * outputPositions * patchSize
            for oy in 0..<outputHeight {
                let y0 = oy * strideHeight - padTop
                for ox in 0..<outputWidth {
                    let x0 = ox * strideWidth - padLeft
                    for ky in 0..<kernelHeight {
                        body(n, row, y0 + ky, x0)
                        row += rowLength
                    }
                }
            }
        }
    }

    /// Writes the patch matrix (images * outputPositions, patchSize) for `images` NHWC images starting at `input`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func im2col<Scalar: NNScalar>(_ input: UnsafePointer<Scalar>, images: Range<Int>, into columns: UnsafeMutablePointer<Scalar>) {
        let c = channels
        let rowLength = kernelWidth * c
        forEachPatchRow(images: images) { n, row, iy, x0 in
            let image = input + n * imageSize
            let out = columns + row
            if iy < 0 || iy >= inputHeight {
                out.update(repeating: 0, count: rowLength)
            } else if x0 >= 0 && x0 + kernelWidth <= inputWidth {
                out.update(from: image + (iy * inputWidth + x0) * c, count: rowLength)
            } else {
                for kx in 0..<kernelWidth {
                    let ix = x0 + kx
                    if ix < 0 || ix >= inputWidth {
                        (out + kx * c).update(repeating: 0, count: c)
                    } else {
                        (out + kx * c).update(from: image + (iy * inputWidth + ix) * c, count: c)
                    }
                }
            }
        }
    }

    /// Writes the transposed patch matrix (patchSize, `batch` * outputPositions) of a one-channel NHWC batch
    /// for `images`: row t = (kernel row, kernel column) holds, per image and output position, the input value
    /// under tap t (zero in the padding). Each (tap, output row) is one run of an input row, so the copies are long
    /// ones rather than a few scalars per output position as in `im2col`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func im2colTransposed<Scalar: NNScalar>(
        _ input: UnsafePointer<Scalar>, images: Range<Int>, batch: Int, into columns: UnsafeMutablePointer<Scalar>
    ) {
        precondition(channels == 1, "im2colTransposed takes one-channel images")
        let leading = batch * outputPositions
        for n in images {
            let image = input + n * imageSize
            for ky in 0..<kernelHeight {
                for kx in 0..<kernelWidth {
                    let row = columns + (ky * kernelWidth + kx) * leading + n * outputPositions
                    // Output columns whose tap lies inside the image: 0 <= ox * strideWidth - padLeft + kx < inputWidth.
                    let offset = kx - padLeft
                    let first = offset >= 0 ? 0 : (-offset + strideWidth - 1) / strideWidth
                    let end = inputWidth - 1 - offset < 0 ? 0 : min(outputWidth, (inputWidth - 1 - offset) / strideWidth + 1)
                    for oy in 0..<outputHeight {
                        let out = row + oy * outputWidth
                        let iy = oy * strideHeight - padTop + ky
                        guard iy >= 0 && iy < inputHeight && first < end else {
                            out.update(repeating: 0, count: outputWidth)
                            continue
                        }
                        let source = image + iy * inputWidth + offset
                        out.update(repeating: 0, count: first)
                        if strideWidth == 1 {
                            (out + first).update(from: source + first, count: end - first)
                        } else {
                            for ox in first..<end { out[ox] = source[ox * strideWidth] }
                        }
                        (out + end).update(repeating: 0, count: outputWidth - end)
                    }
                }
            }
        }
    }

    /// Adds each patch-matrix gradient back onto the image positions it was copied from (the adjoint of im2col);
    /// `gradient` must be zeroed by the caller for `images`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func col2im<Scalar: NNScalar>(_ columns: UnsafePointer<Scalar>, images: Range<Int>, into gradient: UnsafeMutablePointer<Scalar>) {
        let c = channels
        forEachPatchRow(images: images) { n, row, iy, x0 in
            guard iy >= 0 && iy < inputHeight else { return }
            let image = gradient + n * imageSize
            let patch = columns + row
            for kx in 0..<kernelWidth {
                let ix = x0 + kx
                if ix >= 0 && ix < inputWidth {
                    let target = image + (iy * inputWidth + ix) * c
                    let source = patch + kx * c
                    for ch in 0..<c { target[ch] += source[ch] }
                }
            }
        }
    }
}

/// Runs `body` over `count` items split into two contiguous halves on two threads (the machine has 2 cores),
/// or inline when the work is too small to be worth a thread hop.
func splitAcrossCores(_ count: Int, minimumPerThread: Int = 8, _ body: (Range<Int>) -> Void) {
    if count < 2 * minimumPerThread {
        body(0..<count)
        return
    }
    let half = count / 2
    DispatchQueue.concurrentPerform(iterations: 2) { part in
        body(part == 0 ? 0..<half : half..<count)
    }
}
