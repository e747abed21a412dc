/// What the recurrent kinds (`simpleRNN`, `lstm`, `gru`) share, so that their shape rules, `Bidirectional` and the
/// runtime read it in one place.
extension LayerSpec {
    /// The shared settings of a recurrent layer: units, gate blocks along the weights' last axis (1 SimpleRNN, 4 LSTM,
    /// 3 GRU), whether it returns every step and whether it runs last step first. Nil for every other kind.
    public var recurrence: (units: Int, gates: Int, returnSequences: Bool, goBackwards: Bool)? {
        switch self {
        case .simpleRNN(let units, _, _, let sequences, let backwards): return (units, 1, sequences, backwards)
        case .lstm(let units, _, _, _, let sequences, let backwards): return (units, 4, sequences, backwards)
        case .gru(let units, _, _, _, _, let sequences, let backwards): return (units, 3, sequences, backwards)
        default: return nil
        }
    }

    /// The output shape of a recurrent layer on a (timesteps, features) input, or the error naming `layer`.
    func recurrentOutputShape(_ input: [Int], layer: String) throws -> [Int] {
        guard let r = recurrence else { throw ModelSpecError.invalidParameter(layer: layer, reason: "is not a recurrent layer") }
        guard r.units > 0 else { throw ModelSpecError.invalidParameter(layer: layer, reason: "units \(r.units) must be positive") }
        guard input.count == 2 else {
            throw ModelSpecError.impossibleShape(
                layer: layer, inputs: [input], reason: "needs a (timesteps, features) input of rank 2, got rank \(input.count)")
        }
        return r.returnSequences ? [input[0], r.units] : [r.units]
    }

    /// Keras' variable shapes of a recurrent layer on a (timesteps, features) input: kernel, recurrent_kernel, bias.
    func recurrentWeightShapes(_ input: [Int]) -> [[Int]] {
        guard let r = recurrence else { return [] }
        let width = r.gates * r.units
        let features = input.count == 2 ? input[1] : 0
        var shapes = [[features, width], [r.units, width]]
        switch self {
        case .simpleRNN(_, _, let useBias, _, _), .lstm(_, _, _, let useBias, _, _):
            if useBias { shapes.append([width]) }
        case .gru(_, _, _, let useBias, let resetAfter, _, _):
            if useBias { shapes.append(resetAfter ? [2, width] : [width]) }
        default:
            break
        }
        return shapes
    }

    /// The output shape of `Bidirectional(forward, backward, merge)`, or the error naming `layer`.
    func bidirectionalOutputShape(_ input: [Int], forward: LayerSpec, backward: LayerSpec, merge: BidirectionalMerge, layer: String) throws
        -> [Int]
    {
        guard let f = forward.recurrence, let b = backward.recurrence else {
            throw ModelSpecError.invalidParameter(layer: layer, reason: "Bidirectional wraps recurrent layers (SimpleRNN, LSTM, GRU) only")
        }
        guard f.goBackwards != b.goBackwards else {
            throw ModelSpecError.invalidParameter(layer: layer, reason: "the forward and backward layers must differ in go_backwards")
        }
        guard f.returnSequences == b.returnSequences else {
            throw ModelSpecError.invalidParameter(layer: layer, reason: "the forward and backward layers must agree in return_sequences")
        }
        let outF = try forward.recurrentOutputShape(input, layer: layer)
        let outB = try backward.recurrentOutputShape(input, layer: layer)
        if merge == .concat { return outF.dropLast() + [outF.last! + outB.last!] }
        guard outF == outB else {
            throw ModelSpecError.impossibleShape(
                layer: layer, inputs: [input], reason: "merge_mode \(merge.rawValue) needs forward and backward layers with equal units")
        }
        return outF
    }
}
