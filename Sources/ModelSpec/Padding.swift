/// How a convolution or pooling window treats the border, with Keras/TensorFlow semantics.
///
/// `.valid`: no padding, output = floor((in - k) / stride) + 1. `.same`: output = ceil(in / stride), padded with
/// pad_total = max((out - 1) * stride + k - in, 0), pad_before = pad_total / 2 (the extra row/column goes after).
public enum Padding: String, Sendable {
    case valid, same

    /// Output length and leading padding along one axis, or nil when the window does not fit (`.valid`, k > in).
    public func geometry(input: Int, kernel: Int, stride: Int) -> (output: Int, padBefore: Int)? {
        guard input > 0, kernel > 0, stride > 0 else { return nil }
        switch self {
        case .valid:
            guard kernel <= input else { return nil }
            return ((input - kernel) / stride + 1, 0)
        case .same:
            let output = (input + stride - 1) / stride
            let total = max((output - 1) * stride + kernel - input, 0)
            return (output, total / 2)
        }
    }
}
