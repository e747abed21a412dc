/// Keras' `Embedding`: each index of the input (any shape; integers arriving as floats) is replaced by its row of
/// the `(inputDim, outputDim)` parameter `embeddings`, so the output gains a last axis of `outputDim`. An index that
/// is not an exact integer in `0..<inputDim` (Keras would fail or clamp, depending on the backend) gives a row of
/// NaN, since inference cannot throw. Indices are not differentiable: the input gradient is zero.
final class Embedding<Scalar: NNScalar>: InputCachingLayer {
    let inputShape: [Int]
    let inputDim: Int
    let outputDim: Int
    var parameters: [Tensor<Scalar>]
    private(set) var gradients: [Tensor<Scalar>]
    var cachedInput: Tensor<Scalar>?

    init(inputShape: [Int], inputDim: Int, outputDim: Int) {
        self.inputShape = inputShape
        self.inputDim = inputDim
        self.outputDim = outputDim
        parameters = [Tensor(zeros: [inputDim, outputDim])]
        gradients = [Tensor(zeros: [inputDim, outputDim])]
    }

    var outputShape: [Int] { inputShape + [outputDim] }

    /// The row an input value names, or nil.
    private func row(_ value: Scalar) -> Int? {
        guard value.isFinite, value.rounded() == value, value >= 0, value < Scalar(inputDim) else { return nil }
        return Int(value)
    }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let d = outputDim
        var output = [Scalar](repeating: .nan, count: input.count * d)
        parameters[0].scalars.withUnsafeBufferPointer { table in
            output.withUnsafeMutableBufferPointer { y in
                for (i, value) in input.scalars.enumerated() {
                    guard let r = row(value) else { continue }
                    for j in 0..<d { y[i * d + j] = table[r * d + j] }
                }
            }
        }
        return Tensor(shape: input.shape + [d], scalars: output)
    }

    /// Scatter-adds the output gradient into the rows that were read; invalid indices contribute nothing.
    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        guard let input = cachedInput else { return nil }
        let d = outputDim
        var dTable = [Scalar](repeating: 0, count: inputDim * d)
        gradient.scalars.withUnsafeBufferPointer { g in
            for (i, value) in input.scalars.enumerated() {
                guard let r = row(value) else { continue }
                for j in 0..<d { dTable[r * d + j] += g[i * d + j] }
            }
        }
        gradients = [Tensor(shape: [inputDim, d], scalars: dTable)]
        return needsInputGradient ? Tensor(zeros: input.shape) : nil
    }
}
