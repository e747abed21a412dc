/// A layer whose training forward pass is its inference pass plus a record of the input, which is all its
/// `backward` reads (the elementwise layers, PReLU, LayerScale, Embedding, GlobalPool2D).
protocol InputCachingLayer: Layer {
    /// The last training forward pass's input; nil before the first (`backward` then returns nil).
    var cachedInput: Tensor<Scalar>? { get set }
}

extension InputCachingLayer {
    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        cachedInput = input
        return infer(input)
    }

    /// The input gradient of a layer that keeps the input's shape: a copy of the output `gradient` that
    /// `body(x, dx)` scales in place, with `x` the cached input. Nil before any `forward`. `body` runs once, over
    /// whole buffers, so its loops stay as fast as written inline.
    @inline(__always)
    func inputGradient(
        _ gradient: Tensor<Scalar>, _ body: (UnsafeBufferPointer<Scalar>, UnsafeMutableBufferPointer<Scalar>) -> Void
    ) -> Tensor<Scalar>? {
        guard let input = cachedInput else { return nil }
        var dx = gradient
        input.scalars.withUnsafeBufferPointer { x in
            dx.scalars.withUnsafeMutableBufferPointer { body(x, $0) }
        }
        return dx
    }
}
