/// A dense, row-major (C-order) array of scalars with a shape, the value type every layer consumes and produces.
///
/// Activations are NHWC (batch, height, width, channels), as in Keras; Dense kernels are (in, out), Conv2D kernels
/// HWIO (height, width, in, out), biases (out). `scalars.count` always equals the product of `shape`.
public struct Tensor<Scalar: NNScalar>: Sendable, Equatable {
    /// The extent of each axis, outermost first.
    public var shape: [Int]
    /// The elements in row-major order.
    public var scalars: [Scalar]

    /// Wraps `scalars` with `shape`; the element count must equal the product of the shape (a programming error
    /// otherwise, so it traps).
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(
            Tensor.elementCount(shape) == scalars.count, "shape \(shape) needs \(Tensor.elementCount(shape)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of `shape` filled with zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: zeros(Tensor.elementCount(shape)))
    }

    /// The number of elements (the product of `shape`).
    public var count: Int { scalars.count }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Rows `range` of the outermost axis (e.g. a slice of a batch).
    public func rows(_ range: Range<Int>) -> Tensor {
        let stride = shape.isEmpty ? 1 : Tensor.elementCount(Array(shape.dropFirst()))
        var s = shape
        s[0] = range.count
        var result: [Scalar] = zeros(range.count * stride)
        scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer {
                copy(source.baseAddress! + range.lowerBound * stride, to: $0.baseAddress!, count: $0.count)
            }
        }
        return Tensor(shape: s, scalars: result)
    }

    /// Product of the dimensions (1 for a scalar shape `[]`).
    static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }
}
