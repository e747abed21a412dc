import Foundation
import ModelSpec

/// Keras' `UpSampling2D` on NHWC images (and, one row high, `UpSampling1D`): nearest repeats each pixel; bilinear
/// is TensorFlow's/JAX's half-pixel resize (`Interpolation`).
///
/// Each output row and column reads at most two input rows/columns with fixed weights, tabulated once per axis, so
/// the forward pass is a weighted sum of up to four input pixels and the backward pass its adjoint.
final class UpSampling2D<Scalar: NNScalar>: Layer {
    /// The two source positions of one output position along an axis, and the weight of each.
    struct Tap {
        let low: Int, high: Int
        let lowWeight: Scalar, highWeight: Scalar
    }

    let inputShape: [Int]
    let outputShape: [Int]
    private let rowTaps: [Tap], columnTaps: [Tap]
    var parameters: [Tensor<Scalar>] = []
    let gradients: [Tensor<Scalar>] = []

    init(inputShape: [Int], sizeHeight: Int, sizeWidth: Int, interpolation: Interpolation) {
        self.inputShape = inputShape
        outputShape = [inputShape[0] * sizeHeight, inputShape[1] * sizeWidth, inputShape[2]]
        rowTaps = Self.taps(input: inputShape[0], scale: sizeHeight, interpolation)
        columnTaps = Self.taps(input: inputShape[1], scale: sizeWidth, interpolation)
    }

    /// The taps of each of the `input * scale` output positions along one axis.
    static func taps(input: Int, scale: Int, _ interpolation: Interpolation) -> [Tap] {
        (0..<(input * scale)).map { o in
            switch interpolation {
            case .nearest:
                return Tap(low: o / scale, high: o / scale, lowWeight: 1, highWeight: 0)
            case .bilinear:
                // Half-pixel centres, clamped at the edges (tf.image.resize; jax.image.resize agrees when enlarging).
                let source = max((Double(o) + 0.5) / Double(scale) - 0.5, 0)
                let low = min(Int(source.rounded(.down)), input - 1)
                let high = min(low + 1, input - 1)
                let fraction = Scalar(source - Double(low))
                return Tap(low: low, high: high, lowWeight: 1 - fraction, highWeight: fraction)
            }
        }
    }

    /// The four input pixels one output pixel reads, as scalar offsets into its image (top-left, top-right,
    /// bottom-left, bottom-right), and their weights.
    struct PixelTaps {
        let offsets: (Int, Int, Int, Int)
        let weights: (Scalar, Scalar, Scalar, Scalar)
    }

    /// Calls `body(input image, output pixel, taps)` for every output pixel of `batch` images, each image on one
    /// thread (images split across the cores): `input image` is the scalar offset of the image in the input (the
    /// taps' offsets count from it) and `output pixel` that of the pixel in the output. Inference and its adjoint
    /// share this walk, so the weights are the same products in both.
    @inline(__always)
    private func forEachOutputPixel(batch: Int, _ body: (Int, Int, PixelTaps) -> Void) {
        let (w, c) = (inputShape[1], inputShape[2])
        let imageSize = inputShape.reduce(1, *)
        let outputImageSize = outputShape.reduce(1, *)
        splitAcrossCores(batch, minimumPerThread: 2) { images in
            for n in images {
                var out = n * outputImageSize
                for ry in rowTaps {
                    let (top, bottom) = (ry.low * w * c, ry.high * w * c)
                    for rx in columnTaps {
                        let taps = PixelTaps(
                            offsets: (top + rx.low * c, top + rx.high * c, bottom + rx.low * c, bottom + rx.high * c),
                            weights: (
                                ry.lowWeight * rx.lowWeight, ry.lowWeight * rx.highWeight, ry.highWeight * rx.lowWeight,
                                ry.highWeight * rx.highWeight
                            ))
                        body(n * imageSize, out, taps)
                        out += c
                    }
                }
            }
        }
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let c = inputShape[2]
        let batch = input.count / inputShape.reduce(1, *)
        var output: [Scalar] = uninitializedArray(batch * outputShape.reduce(1, *))
        input.scalars.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                forEachOutputPixel(batch: batch) { image, pixel, taps in
                    let source = x.baseAddress! + image
                    let out = y.baseAddress! + pixel
                    let (a, b) = (source + taps.offsets.0, source + taps.offsets.1)
                    let (d, e) = (source + taps.offsets.2, source + taps.offsets.3)
                    let (wa, wb, wd, we) = taps.weights
                    if wb == 0 && wd == 0 && we == 0 && wa == 1 {
                        out.update(from: a, count: c)
                    } else {
                        for ch in 0..<c { out[ch] = (wa * a[ch] + wb * b[ch]) + (wd * d[ch] + we * e[ch]) }
                    }
                }
            }
        }
        return Tensor(shape: [batch] + outputShape, scalars: output)
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard needsInputGradient else { return nil }
        let c = inputShape[2]
        let batch = gradient.count / outputShape.reduce(1, *)
        var dx: [Scalar] = zeros(batch * inputShape.reduce(1, *))
        gradient.scalars.withUnsafeBufferPointer { g in
            dx.withUnsafeMutableBufferPointer { d in
                forEachOutputPixel(batch: batch) { image, pixel, taps in
                    let dy = g.baseAddress! + pixel
                    // The adjoint of `infer`: each tap gets its weight times the upstream gradient, in tap order.
                    func add(_ offset: Int, _ weight: Scalar) {
                        guard weight != 0 else { return }
                        let target = d.baseAddress! + image + offset
                        for ch in 0..<c { target[ch] += weight * dy[ch] }
                    }
                    add(taps.offsets.0, taps.weights.0)
                    add(taps.offsets.1, taps.weights.1)
                    add(taps.offsets.2, taps.weights.2)
                    add(taps.offsets.3, taps.weights.3)
                }
            }
        }
        return Tensor(shape: [batch] + inputShape, scalars: dx)
    }
}
