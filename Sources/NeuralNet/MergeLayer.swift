/// A layer with several inputs (the merge layers): inference, a caching training forward pass, and a backward
/// pass that returns one gradient per input. Inputs and outputs carry the batch as their first axis.
protocol MergeLayer<Scalar>: AnyObject {
    associatedtype Scalar: NNScalar
    /// Inference forward pass; pure.
    func infer(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar>
    /// Training forward pass; caches what `backward` needs.
    func forward(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar>
    /// The gradient w.r.t. each input, from the gradient w.r.t. the output.
    func backward(_ gradient: Tensor<Scalar>) -> [Tensor<Scalar>]
}

/// Where one input's elements sit in a broadcast output: per output axis, the input's stride (0 where it
/// broadcasts). Both shapes include the batch axis; the input's is left-padded with 1s to the output's rank.
struct BroadcastMap {
    let outputShape: [Int]
    let strides: [Int]
    let isIdentity: Bool

    init(input: [Int], output: [Int]) {
        let padded = [Int](repeating: 1, count: output.count - input.count) + input
        var strides = [Int](repeating: 0, count: output.count)
        var stride = 1
        for axis in padded.indices.reversed() {
            strides[axis] = padded[axis] == 1 && output[axis] != 1 ? 0 : stride
            stride *= padded[axis]
        }
        outputShape = output
        self.strides = strides
        isIdentity = padded == output
    }

    /// Calls `body(outputIndex, inputIndex)` for every output element, in order.
    func visit(_ body: (Int, Int) -> Void) {
        let total = outputShape.reduce(1, *)
        guard total > 0 else { return }
        if isIdentity {
            for i in 0..<total { body(i, i) }
            return
        }
        let rank = outputShape.count
        var counter = [Int](repeating: 0, count: rank)
        var source = 0
        for i in 0..<total {
            body(i, source)
            var axis = rank - 1
            while axis >= 0 {
                counter[axis] += 1
                source += strides[axis]
                if counter[axis] < outputShape[axis] { break }
                source -= strides[axis] * outputShape[axis]
                counter[axis] = 0
                axis -= 1
            }
        }
    }
}

/// Keras' elementwise merges (`Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`) with NumPy
/// broadcasting of the example shapes. Maximum and Minimum send the gradient to the first input that attains the
/// extreme, as TensorFlow's gradients do on ties.
final class ElementwiseMerge<Scalar: NNScalar>: MergeLayer {
    let operation: MergeOperation
    let inputShapes: [[Int]]
    let outputShape: [Int]
    private var cachedInputs: [Tensor<Scalar>] = []

    init(_ operation: MergeOperation, inputShapes: [[Int]], outputShape: [Int]) {
        self.operation = operation
        self.inputShapes = inputShapes
        self.outputShape = outputShape
    }

    private func maps(batch: Int) -> [BroadcastMap] {
        inputShapes.map { BroadcastMap(input: [batch] + $0, output: [batch] + outputShape) }
    }

    func infer(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let batch = inputs[0].shape[0]
        let maps = maps(batch: batch)
        var out: [Scalar] = zeros(batch * outputShape.reduce(1, *))
        out.withUnsafeMutableBufferPointer { y in
            for (k, (input, map)) in zip(inputs, maps).enumerated() {
                input.scalars.withUnsafeBufferPointer { x in
                    switch (operation, k) {
                    case (.add, _), (.average, _), (.subtract, 0), (_, 0): map.visit { y[$0] += x[$1] }
                    case (.subtract, _): map.visit { y[$0] -= x[$1] }
                    case (.multiply, _): map.visit { y[$0] *= x[$1] }
                    case (.maximum, _): map.visit { y[$0] = Swift.max(y[$0], x[$1]) }
                    case (.minimum, _): map.visit { y[$0] = Swift.min(y[$0], x[$1]) }
                    }
                }
            }
            if operation == .average {
                let inverse = 1 / Scalar(inputs.count)
                for i in y.indices { y[i] *= inverse }
            }
        }
        return Tensor(shape: [batch] + outputShape, scalars: out)
    }

    func forward(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        cachedInputs = operation == .multiply || operation == .maximum || operation == .minimum ? inputs : []
        return infer(inputs)
    }

    func backward(_ gradient: Tensor<Scalar>) -> [Tensor<Scalar>] {
        let batch = gradient.shape[0]
        let maps = maps(batch: batch)
        let output = operation == .maximum || operation == .minimum ? infer(cachedInputs).scalars : []
        var claimed = [Bool](repeating: false, count: output.count)
        return inputShapes.indices.map { k in
            var dx: [Scalar] = zeros(batch * inputShapes[k].reduce(1, *))
            dx.withUnsafeMutableBufferPointer { d in
                gradient.scalars.withUnsafeBufferPointer { g in
                    let map = maps[k]
                    switch operation {
                    case .add: map.visit { d[$1] += g[$0] }
                    case .subtract: map.visit { d[$1] += k == 0 ? g[$0] : -g[$0] }
                    case .average:
                        let inverse = 1 / Scalar(inputShapes.count)
                        map.visit { d[$1] += g[$0] * inverse }
                    case .multiply:
                        // The product of the other inputs, broadcast to the output.
                        var others = [Scalar](repeating: 1, count: g.count)
                        for j in inputShapes.indices where j != k {
                            cachedInputs[j].scalars.withUnsafeBufferPointer { x in maps[j].visit { others[$0] *= x[$1] } }
                        }
                        map.visit { d[$1] += g[$0] * others[$0] }
                    case .maximum, .minimum:
                        cachedInputs[k].scalars.withUnsafeBufferPointer { x in
                            map.visit { i, s in
                                if !claimed[i] && x[s] == output[i] {
                                    claimed[i] = true
                                    d[s] += g[i]
                                }
                            }
                        }
                    }
                }
            }
            return Tensor(shape: [batch] + inputShapes[k], scalars: dx)
        }
    }
}

/// Keras' `Concatenate(axis)`: inputs equal in every other axis, joined along `axis` (an index into the example
/// shape).
final class Concatenate<Scalar: NNScalar>: MergeLayer {
    let axis: Int
    let inputShapes: [[Int]]
    let outputShape: [Int]

    init(axis: Int, inputShapes: [[Int]], outputShape: [Int]) {
        self.axis = axis
        self.inputShapes = inputShapes
        self.outputShape = outputShape
    }

    /// Values of one input per outer step (its slab along and after the axis), per input.
    private var blocks: [Int] { inputShapes.map { $0[axis...].reduce(1, *) } }
    private var outerPerExample: Int { outputShape[..<axis].reduce(1, *) }

    func infer(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let batch = inputs[0].shape[0]
        let blocks = blocks
        let width = blocks.reduce(0, +)
        let outer = batch * outerPerExample
        var out: [Scalar] = uninitializedArray(outer * width)
        out.withUnsafeMutableBufferPointer { y in
            var offset = 0
            for (input, block) in zip(inputs, blocks) {
                input.scalars.withUnsafeBufferPointer { x in
                    for o in 0..<outer { copy(x.baseAddress! + o * block, to: y.baseAddress! + o * width + offset, count: block) }
                }
                offset += block
            }
        }
        return Tensor(shape: [batch] + outputShape, scalars: out)
    }

    func forward(_ inputs: [Tensor<Scalar>]) -> Tensor<Scalar> { infer(inputs) }

    func backward(_ gradient: Tensor<Scalar>) -> [Tensor<Scalar>] {
        let batch = gradient.shape[0]
        let blocks = blocks
        let width = blocks.reduce(0, +)
        let outer = batch * outerPerExample
        var offset = 0
        return zip(inputShapes, blocks).map { shape, block in
            var dx: [Scalar] = uninitializedArray(outer * block)
            gradient.scalars.withUnsafeBufferPointer { g in
                dx.withUnsafeMutableBufferPointer { d in
                    for o in 0..<outer { copy(g.baseAddress! + o * width + offset, to: d.baseAddress! + o * block, count: block) }
                }
            }
            offset += block
            return Tensor(shape: [batch] + shape, scalars: dx)
        }
    }
}
