/// The only shape rules of the layer vocabulary: what a layer outputs for given inputs, and the shapes of its
/// weights. The Keras reader, the runtime and `inspect` all ask these.
extension LayerSpec {
    /// How many inputs the layer takes: `1...1` for ordinary layers, `2...` for merges (Subtract: exactly 2).
    public var inputArity: ClosedRange<Int> {
        switch self {
        case .merge(.subtract): return 2...2
        case .merge, .concatenate: return 2...Int.max
        default: return 1...1
        }
    }

    /// The output shape (without the batch axis) for `inputs`, or a `ModelSpecError` naming `layer`.
    public func outputShape(for inputs: [[Int]], layer: String) throws -> [Int] {
        func impossible(_ reason: String) -> ModelSpecError { .impossibleShape(layer: layer, inputs: inputs, reason: reason) }
        func invalid(_ reason: String) -> ModelSpecError { .invalidParameter(layer: layer, reason: reason) }
        guard inputArity.contains(inputs.count) else {
            throw impossible("takes \(inputArity.upperBound == 1 ? "1 input" : "at least \(inputArity.lowerBound) inputs"), got \(inputs.count)")
        }
        let input = inputs[0]
        /// (height, width, channels) of an image input in `format`.
        func image(_ format: DataFormat) throws -> (h: Int, w: Int, c: Int) {
            guard input.count == 3 else { throw impossible("needs an image input of rank 3, got rank \(input.count)") }
            return format == .channelsFirst ? (input[1], input[2], input[0]) : (input[0], input[1], input[2])
        }
        func make(_ format: DataFormat, _ h: Int, _ w: Int, _ c: Int) -> [Int] { format == .channelsFirst ? [c, h, w] : [h, w, c] }
        func window(_ kh: Int, _ kw: Int, _ sh: Int, _ sw: Int, _ padding: Padding, _ format: DataFormat, what: String) throws -> (Int, Int, Int) {
            guard kh > 0, kw > 0, sh > 0, sw > 0 else { throw invalid("\(what) size \(kh)x\(kw) and strides \(sh)x\(sw) must be positive") }
            let (h, w, c) = try image(format)
            guard let rows = padding.geometry(input: h, kernel: kh, stride: sh), let columns = padding.geometry(input: w, kernel: kw, stride: sw)
            else { throw impossible("\(what) \(kh)x\(kw) is larger than the \(h)x\(w) image with \(padding.rawValue) padding") }
            return (rows.output, columns.output, c)
        }
        switch self {
        case .dense(let units, _, _):
            guard units > 0 else { throw invalid("units \(units) must be positive") }
            guard !input.isEmpty else { throw impossible("needs an input of rank 1 or more") }
            return input.dropLast() + [units]
        case .conv2D(let filters, let kh, let kw, let sh, let sw, let padding, _, _, let format):
            guard filters > 0 else { throw invalid("filters \(filters) must be positive") }
            let (h, w, _) = try window(kh, kw, sh, sw, padding, format, what: "kernel")
            return make(format, h, w, filters)
        case .maxPool2D(let ph, let pw, let sh, let sw, let padding, let format),
            .averagePool2D(let ph, let pw, let sh, let sw, let padding, let format):
            let (h, w, c) = try window(ph, pw, sh, sw, padding, format, what: "pool")
            if padding == .same {
                let (ih, iw, _) = try image(format)
                let top = padding.geometry(input: ih, kernel: ph, stride: sh)!.padBefore
                let left = padding.geometry(input: iw, kernel: pw, stride: sw)!.padBefore
                if ph <= top || pw <= left { throw impossible("pool \(ph)x\(pw) windows would lie wholly in the padding") }
            }
            return make(format, h, w, c)
        case .globalAveragePool2D(let format), .globalMaxPool2D(let format):
            return [try image(format).c]
        case .cropping2D(let top, let bottom, let left, let right, let format):
            let (h, w, c) = try image(format)
            guard min(top, bottom, left, right) >= 0 else { throw invalid("cropping must not be negative") }
            guard top + bottom < h, left + right < w else { throw impossible("crops (\(top), \(bottom), \(left), \(right)) from a \(h)x\(w) image") }
            return make(format, h - top - bottom, w - left - right, c)
        case .zeroPadding2D(let top, let bottom, let left, let right, let format):
            let (h, w, c) = try image(format)
            guard min(top, bottom, left, right) >= 0 else { throw invalid("padding must not be negative") }
            return make(format, h + top + bottom, w + left + right, c)
        case .flatten:
            return [try elementCount(input, impossible)]
        case .reshape(let target):
            guard !target.isEmpty, target.allSatisfy({ $0 > 0 }) else { throw invalid("target shape \(target) must be positive") }
            let from = try elementCount(input, impossible)
            let to = try elementCount(target, impossible)
            guard from == to else { throw impossible("cannot reshape \(from) values to \(target) (\(to) values)") }
            return target
        case .permute(let dims):
            guard dims.count == input.count, dims.sorted() == Array(1...max(dims.count, 1)) else {
                throw impossible("\(dims) is not a permutation of the input's \(input.count) axes (1-based)")
            }
            return dims.map { input[$0 - 1] }
        case .dropout(let rate):
            guard rate >= 0, rate < 1 else { throw invalid("dropout rate \(rate) must be in [0, 1)") }
            return input
        case .activation:
            return input
        case .leakyReLU(let alpha):
            guard alpha.isFinite else { throw invalid("alpha \(alpha) must be finite") }
            return input
        case .batchNormalization(let axis, let epsilon, _, _):
            guard epsilon >= 0, epsilon.isFinite else { throw invalid("epsilon \(epsilon) must be a non-negative number") }
            _ = try Self.featureAxis(axis, rank: input.count, impossible)
            return input
        case .merge:
            return try Self.broadcast(inputs, impossible)
        case .concatenate(let axis):
            let a = try Self.featureAxis(axis, rank: input.count, impossible)
            var out = input
            for other in inputs.dropFirst() {
                guard other.count == input.count,
                    other.indices.allSatisfy({ $0 == a || other[$0] == input[$0] })
                else { throw impossible("inputs must agree in every axis but the concatenation axis \(axis)") }
                out[a] += other[a]
            }
            return out
        case .simpleRNN, .lstm, .gru:
            return try recurrentOutputShape(input, layer: layer)
        case .bidirectional(let forward, let backward, let merge):
            return try bidirectionalOutputShape(input, forward: forward, backward: backward, merge: merge, layer: layer)
        case .timeDistributed(let inner):
            guard inner.inputArity == 1...1 else { throw invalid("TimeDistributed wraps single-input layers only") }
            guard input.count >= 2 else { throw impossible("TimeDistributed needs an input of rank 2 or more (steps first)") }
            return [input[0]] + (try inner.outputShape(for: [Array(input.dropFirst())], layer: layer))
        }
    }

    /// The shapes of the layer's weights for `inputs` (checked by `outputShape` first), in Keras' order.
    public func weightShapes(for inputs: [[Int]]) -> [[Int]] {
        let input = inputs.first ?? []
        switch self {
        case .dense(let units, _, let useBias):
            return [[input.last ?? 0, units]] + (useBias ? [[units]] : [])
        case .conv2D(let filters, let kh, let kw, _, _, _, _, let useBias, let format):
            let c = input.count == 3 ? (format == .channelsFirst ? input[0] : input[2]) : 0
            return [[kh, kw, c, filters]] + (useBias ? [[filters]] : [])
        case .batchNormalization(let axis, _, let center, let scale):
            guard let a = try? Self.featureAxis(axis, rank: input.count, { ModelSpecError.invalidGraph($0) }) else { return [] }
            let c = [input[a]]
            return (scale ? [c] : []) + (center ? [c] : []) + [c, c]
        case .simpleRNN, .lstm, .gru:
            return recurrentWeightShapes(input)
        case .bidirectional(let forward, let backward, _):
            return forward.recurrentWeightShapes(input) + backward.recurrentWeightShapes(input)
        case .timeDistributed(let inner):
            return inner.weightShapes(for: [Array(input.dropFirst())])
        default:
            return []
        }
    }

    /// A Keras axis (batch = 0, negative from the end, of a tensor whose examples have rank `rank`) as an index
    /// into the example's shape.
    public static func featureAxis(_ axis: Int, rank: Int, _ impossible: (String) -> ModelSpecError) throws -> Int {
        let index = axis < 0 ? axis + rank : axis - 1
        guard index >= 0, index < rank else { throw impossible("axis \(axis) does not exist in an input of rank \(rank + 1) (with the batch)") }
        return index
    }

    /// NumPy broadcasting of example shapes (aligned from the last axis), as Keras' merge layers do.
    static func broadcast(_ shapes: [[Int]], _ impossible: (String) -> ModelSpecError) throws -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var out = [Int](repeating: 1, count: rank)
        for shape in shapes {
            for (offset, d) in shape.reversed().enumerated() {
                let i = rank - 1 - offset
                if out[i] == 1 {
                    out[i] = d
                } else if d != 1 && d != out[i] {
                    throw impossible("shapes do not broadcast (axis \(i + 1): \(out[i]) and \(d))")
                }
            }
        }
        return out
    }

    private func elementCount(_ shape: [Int], _ impossible: (String) -> ModelSpecError) throws -> Int {
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, d >= 0 else { throw impossible("the shape \(shape) has too many values") }
            n = p
        }
        return n
    }

    /// How many of the layer's last weights are not trained (BatchNormalization's moving mean and variance).
    /// Keras lists a model's weights trainable first, so a group holding several layers' weights keeps these last.
    public var nonTrainableWeightCount: Int {
        if case .batchNormalization = self { return 2 }
        if case .timeDistributed(let inner) = self { return inner.nonTrainableWeightCount }
        return 0
    }

    /// How many weight arrays the layer has (the length of `weightShapes`).
    public var weightCount: Int {
        switch self {
        case .dense(_, _, let useBias), .conv2D(_, _, _, _, _, _, _, let useBias, _): return useBias ? 2 : 1
        case .batchNormalization(_, _, let center, let scale): return (center ? 1 : 0) + (scale ? 1 : 0) + 2
        case .simpleRNN(_, _, let useBias, _, _), .lstm(_, _, _, let useBias, _, _), .gru(_, _, _, let useBias, _, _, _):
            return useBias ? 3 : 2
        case .bidirectional(let forward, let backward, _): return forward.weightCount + backward.weightCount
        case .timeDistributed(let inner): return inner.weightCount
        default: return 0
        }
    }

    /// Whether the runtime has this layer's backward pass, so `fit` can train a model that has it. Recurrent layers
    /// (and `Bidirectional`) run inference only; `TimeDistributed` trains when its inner layer does.
    public var supportsTraining: Bool {
        switch self {
        case .simpleRNN, .lstm, .gru, .bidirectional: return false
        case .timeDistributed(let inner): return inner.supportsTraining
        default: return true
        }
    }

    /// Whether the layer has weights of its own.
    public var hasWeights: Bool { weightCount > 0 }

    /// The activation the layer applies last (`.linear` if none), which lets a loss fuse softmax.
    public var finalActivation: Activation {
        switch self {
        case .dense(_, let a, _), .conv2D(_, _, _, _, _, _, let a, _, _), .activation(let a): return a
        case .timeDistributed(let inner): return inner.finalActivation
        default: return .linear
        }
    }

    /// Whether the layer works on images (and so has a data format).
    public var dataFormat: DataFormat? {
        switch self {
        case .conv2D(_, _, _, _, _, _, _, _, let f), .maxPool2D(_, _, _, _, _, let f), .averagePool2D(_, _, _, _, _, let f),
            .globalAveragePool2D(let f), .globalMaxPool2D(let f), .cropping2D(_, _, _, _, let f), .zeroPadding2D(_, _, _, _, let f):
            return f
        case .timeDistributed(let inner):
            return inner.dataFormat
        default:
            return nil
        }
    }
}
