/// Keras' `SimpleRNN`, `LSTM` and `GRU` at inference, on (batch, timesteps, features) inputs, in Keras' weight
/// layouts: kernel (features, gates * units), recurrent_kernel (units, gates * units), bias (gates * units), or
/// (2, 3 * units) for a GRU with `reset_after`. Gate blocks along the last axis are in Keras' order: LSTM i, f, c, o;
/// GRU z, r, h.
///
/// The input projection of every timestep is one GEMM over (batch * timesteps) rows; each step then adds one GEMM of
/// the previous state with the recurrent kernel. The state starts at zero. With `goBackwards` the steps run last to
/// first and the returned sequence keeps that order, as Keras does. Only inference exists: the spec's
/// `supportsTraining` is false, so `fit` refuses a model holding one before any forward or backward pass runs.
final class Recurrent<Scalar: NNScalar>: Layer {
    /// Which cell runs at each step.
    enum Cell: Equatable {
        case simple
        case lstm
        case gru(resetAfter: Bool)

        var gates: Int {
            switch self {
            case .simple: return 1
            case .lstm: return 4
            case .gru: return 3
            }
        }
    }

    let cell: Cell
    let steps: Int
    let features: Int
    let units: Int
    let activation: Activation
    let recurrentActivation: Activation
    let useBias: Bool
    let returnSequences: Bool
    let goBackwards: Bool
    var parameters: [Tensor<Scalar>]
    let gradients: [Tensor<Scalar>] = []

    init(
        cell: Cell, steps: Int, features: Int, units: Int, activation: Activation, recurrentActivation: Activation, useBias: Bool,
        returnSequences: Bool, goBackwards: Bool
    ) {
        self.cell = cell
        self.steps = steps
        self.features = features
        self.units = units
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.useBias = useBias
        self.returnSequences = returnSequences
        self.goBackwards = goBackwards
        let width = cell.gates * units
        parameters = [Tensor(zeros: [features, width]), Tensor(zeros: [units, width])]
        if useBias { parameters.append(Tensor(zeros: cell == .gru(resetAfter: true) ? [2, width] : [width])) }
    }

    /// Builds the runtime layer of a recurrent spec on a (timesteps, features) example shape.
    convenience init(_ spec: LayerSpec, input: [Int]) {
        let (steps, features) = (input[0], input[1])
        switch spec {
        case .simpleRNN(let units, let activation, let useBias, let sequences, let backwards):
            self.init(
                cell: .simple, steps: steps, features: features, units: units, activation: activation, recurrentActivation: .linear,
                useBias: useBias, returnSequences: sequences, goBackwards: backwards)
        case .lstm(let units, let activation, let recurrent, let useBias, let sequences, let backwards):
            self.init(
                cell: .lstm, steps: steps, features: features, units: units, activation: activation, recurrentActivation: recurrent,
                useBias: useBias, returnSequences: sequences, goBackwards: backwards)
        case .gru(let units, let activation, let recurrent, let useBias, let resetAfter, let sequences, let backwards):
            self.init(
                cell: .gru(resetAfter: resetAfter), steps: steps, features: features, units: units, activation: activation,
                recurrentActivation: recurrent, useBias: useBias, returnSequences: sequences, goBackwards: backwards)
        default:
            preconditionFailure("Recurrent built from \(spec)")
        }
    }

    var outputShape: [Int] { returnSequences ? [steps, units] : [units] }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> {
        let batch = input.count / max(steps * features, 1)
        let width = cell.gates * units
        // Input projections of every (example, step) row: (batch * steps, width), input bias included.
        var projection: [Scalar] = uninitializedArray(batch * steps * width)
        input.scalars.withUnsafeBufferPointer { x in
            parameters[0].scalars.withUnsafeBufferPointer { w in
                projection.withUnsafeMutableBufferPointer { p in
                    Scalar.gemm(
                        transposeA: false, transposeB: false, m: batch * steps, n: width, k: features, alpha: 1, a: x.baseAddress!,
                        lda: features, b: w.baseAddress!, ldb: width, beta: 0, c: p.baseAddress!, ldc: width)
                    if useBias {
                        parameters[2].scalars.withUnsafeBufferPointer { addRowBias(p, UnsafeBufferPointer(rebasing: $0[0..<width])) }
                    }
                }
            }
        }
        var output: [Scalar] = zeros(batch * (returnSequences ? steps : 1) * units)
        var state: [Scalar] = zeros(batch * units)
        var carry: [Scalar] = zeros(cell == .lstm ? batch * units : 0)
        var recurrent: [Scalar] = zeros(batch * width)
        var gate: [[Scalar]] = (0..<cell.gates).map { _ in zeros(batch * units) }
        let recurrentBias: [Scalar] = cell == .gru(resetAfter: true) && useBias ? Array(parameters[2].scalars[width...]) : []
        let kernel = parameters[1].scalars
        for s in 0..<steps {
            let t = goBackwards ? steps - 1 - s : s
            kernel.withUnsafeBufferPointer { u in
                state.withUnsafeBufferPointer { h in
                    recurrent.withUnsafeMutableBufferPointer { r in
                        // For a GRU without reset_after the h block's product needs r first: only z and r here.
                        let n = cell == .gru(resetAfter: false) ? 2 * units : width
                        Scalar.gemm(
                            transposeA: false, transposeB: false, m: batch, n: n, k: units, alpha: 1, a: h.baseAddress!, lda: units,
                            b: u.baseAddress!, ldb: width, beta: 0, c: r.baseAddress!, ldc: width)
                        if !recurrentBias.isEmpty { recurrentBias.withUnsafeBufferPointer { addRowBias(r, $0) } }
                    }
                }
            }
            // Gate pre-activations: the step's projection plus the recurrent product, gate by gate (contiguous, so a
            // softmax activation sees exactly its units).
            projection.withUnsafeBufferPointer { p in
                recurrent.withUnsafeBufferPointer { r in
                    for g in 0..<cell.gates {
                        gate[g].withUnsafeMutableBufferPointer { out in
                            for b in 0..<batch {
                                let pRow = p.baseAddress! + (b * steps + t) * width + g * units
                                let rRow = r.baseAddress! + b * width + g * units
                                let o = out.baseAddress! + b * units
                                if cell == .gru(resetAfter: true) && g == 2 {
                                    for j in 0..<units { o[j] = pRow[j] }  // r * (h @ U_h + b_h) is added below
                                } else if cell == .gru(resetAfter: false) && g == 2 {
                                    for j in 0..<units { o[j] = pRow[j] }  // (r * h) @ U_h is added below
                                } else {
                                    for j in 0..<units { o[j] = pRow[j] + rRow[j] }
                                }
                            }
                        }
                    }
                }
            }
            step(batch: batch, gate: &gate, state: &state, carry: &carry, recurrent: recurrent, kernel: kernel)
            let slot = returnSequences ? s : 0
            if returnSequences || s == steps - 1 {
                state.withUnsafeBufferPointer { h in
                    output.withUnsafeMutableBufferPointer { y in
                        let rows = returnSequences ? steps : 1
                        for b in 0..<batch {
                            copy(h.baseAddress! + b * units, to: y.baseAddress! + (b * rows + slot) * units, count: units)
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch] + outputShape, scalars: output)
    }

    /// One cell update from the gate pre-activations (`gate[g]`, each (batch, units)); updates `state` (and `carry`,
    /// the LSTM cell state). `recurrent` holds the step's recurrent product (GRU with reset_after: its h block).
    private func step(
        batch: Int, gate: inout [[Scalar]], state: inout [Scalar], carry: inout [Scalar], recurrent: [Scalar], kernel: [Scalar]
    ) {
        let count = batch * units
        let width = cell.gates * units
        switch cell {
        case .simple:
            gate[0].withUnsafeMutableBufferPointer { activation.apply($0, width: units) }
            state = gate[0]
        case .lstm:
            for g in [0, 1, 3] { gate[g].withUnsafeMutableBufferPointer { recurrentActivation.apply($0, width: units) } }
            gate[2].withUnsafeMutableBufferPointer { activation.apply($0, width: units) }
            for k in 0..<count { carry[k] = gate[1][k] * carry[k] + gate[0][k] * gate[2][k] }
            var squashed = carry
            squashed.withUnsafeMutableBufferPointer { activation.apply($0, width: units) }
            for k in 0..<count { state[k] = gate[3][k] * squashed[k] }
        case .gru(let resetAfter):
            for g in 0..<2 { gate[g].withUnsafeMutableBufferPointer { recurrentActivation.apply($0, width: units) } }
            if resetAfter {
                for b in 0..<batch {
                    for j in 0..<units { gate[2][b * units + j] += gate[1][b * units + j] * recurrent[b * width + 2 * units + j] }
                }
            } else {
                var reset: [Scalar] = uninitializedArray(count)
                for k in 0..<count { reset[k] = gate[1][k] * state[k] }
                reset.withUnsafeBufferPointer { rh in
                    kernel.withUnsafeBufferPointer { u in
                        gate[2].withUnsafeMutableBufferPointer { o in
                            Scalar.gemm(
                                transposeA: false, transposeB: false, m: batch, n: units, k: units, alpha: 1, a: rh.baseAddress!,
                                lda: units,
                                b: u.baseAddress! + 2 * units, ldb: width, beta: 1, c: o.baseAddress!, ldc: units)
                        }
                    }
                }
            }
            gate[2].withUnsafeMutableBufferPointer { activation.apply($0, width: units) }
            for k in 0..<count { state[k] = gate[0][k] * state[k] + (1 - gate[0][k]) * gate[2][k] }
        }
    }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> { infer(input) }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        // Unreachable: `LayerSpec.supportsTraining` is false for recurrent layers and `fit` refuses such models first.
        preconditionFailure("Recurrent layers have no backward pass; fit refuses models that hold one")
    }
}
