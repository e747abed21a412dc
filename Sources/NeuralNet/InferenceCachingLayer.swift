/// A layer whose training forward pass is its inference pass plus a record of the input and output, which its
/// `backward` reads (Dense and the convolutions that are not `Conv2D`).
protocol InferenceCachingLayer: Layer {
    /// The last training forward pass's input and output; nil before the first.
    var forwardCache: (input: Tensor<Scalar>, output: Tensor<Scalar>)? { get set }
}

extension InferenceCachingLayer {
    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        let output = infer(input)
        forwardCache = (input, output)
        return output
    }

    /// The cached input and output of the last `forward`; stops the program when `backward` comes before any
    /// `forward` (a caller's bug).
    var cachedForward: (input: Tensor<Scalar>, output: Tensor<Scalar>) {
        guard let forwardCache else { preconditionFailure("\(Self.self).backward before forward") }
        return forwardCache
    }
}
