/// The geometry of `Conv2DTranspose` along one axis, as Keras 3 computes it (the same on every backend).
///
/// The "full" transposed convolution scatters input position i to outputs `i * stride ..< i * stride + kernel`,
/// `(input - 1) * stride + kernel` positions in all. Keras then keeps `output` positions starting at `crop` (positions
/// past the full range are zeros, as with `valid` padding and a kernel smaller than the stride).
public struct TransposedConvolutionAxis: Sendable, Equatable {
    /// Output length.
    public let output: Int
    /// Full-result positions dropped before the first output position.
    public let crop: Int

    /// Nil when the settings give no output (or an output padding not smaller than the stride, which Keras refuses).
    public init?(input: Int, kernel: Int, stride: Int, padding: Padding, outputPadding: Int?) {
        guard input > 0, kernel > 0, stride > 0 else { return nil }
        if let p = outputPadding, p < 0 || p >= stride { return nil }
        // Keras 3's `_convert_conv_transpose_padding_args_from_keras_to_jax`: padding of the stride-dilated input.
        let left: Int
        let right: Int
        switch padding {
        case .valid:
            left = kernel - 1
            right = kernel - 1 + (outputPadding ?? (max(kernel, stride) - kernel))
        case .same:
            let total = outputPadding.map { kernel + kernel % 2 - 2 + $0 } ?? (stride + kernel - 2)
            left = min(total / 2 + total % 2, kernel - 1)
            right = total - left
        }
        let (dilated, overflow) = (input - 1).multipliedReportingOverflow(by: stride)
        guard !overflow, dilated < 1 << 40 else { return nil }
        output = dilated + 1 + left + right - kernel + 1
        crop = kernel - 1 - left
        guard output > 0 else { return nil }
    }
}
