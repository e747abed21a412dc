/// A fully connected layer, `y = activation(x @ kernel + bias)`, with Keras' layout: kernel (in, units), bias (units).
///
/// Input is (batch, in); the product goes through `Scalar.gemm` (oneDNN for `Float`, OpenBLAS for `Double`), except
/// for `Double` batches that are mostly zeros, whose product and kernel gradient skip the zeros (`SparseInputProduct`).
final class Dense<Scalar: NNScalar>: InferenceCachingLayer, KernelStepFusing {
    let inputUnits: Int
    let units: Int
    let activation: Activation
    let useBias: Bool
    var parameters: [Tensor<Scalar>]
    private(set) var gradients: [Tensor<Scalar>] = []
    var forwardCache: (input: Tensor<Scalar>, output: Tensor<Scalar>)?
    /// The index of the cached input when its product skipped its zeros (its kernel gradient then does too).
    private var sparseIndex: SparseInputProduct?
    var fusedStepRate: Double?
    private(set) var steppedKernel = false

    init(inputUnits: Int, units: Int, activation: Activation, useBias: Bool) {
        self.inputUnits = inputUnits
        self.units = units
        self.activation = activation
        self.useBias = useBias
        parameters = [Tensor(zeros: [inputUnits, units])] + (useBias ? [Tensor(zeros: [units])] : [])
    }

    var outputShape: [Int] { [units] }
    var finalActivation: Activation { activation }

    func infer(_ input: Tensor<Scalar>) -> Tensor<Scalar> { apply(input).output }

    func forward(_ input: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        let (output, index) = apply(input)
        forwardCache = (input, output)
        sparseIndex = index
        return output
    }

    /// The layer's output for `input`, and the index its product used when it skipped the input's zeros.
    private func apply(_ input: Tensor<Scalar>) -> (output: Tensor<Scalar>, index: SparseInputProduct?) {
        let batch = input.count / inputUnits
        var output: [Scalar] = uninitializedArray(batch * units)
        var index: SparseInputProduct?
        input.scalars.withUnsafeBufferPointer { x in
            parameters[0].scalars.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    if Scalar.self == Double.self,
                        let sparse = SparseInputProduct(
                            x: UnsafeBufferPointer(start: .doubles(x.baseAddress!), count: x.count), rows: batch, inputs: inputUnits)
                    {
                        sparse.product(
                            x: .doubles(x.baseAddress!), kernel: .doubles(w.baseAddress!), units: units, into: .doubles(y.baseAddress!))
                        index = sparse
                    } else {
                        Scalar.gemm(
                            transposeA: false, transposeB: false, m: batch, n: units, k: inputUnits, alpha: 1,
                            a: x.baseAddress!, lda: inputUnits, b: w.baseAddress!, ldb: units, beta: 0, c: y.baseAddress!, ldc: units)
                    }
                }
            }
        }
        addBiasAndActivate(&output, parameters: parameters, useBias: useBias, activation: activation, width: units)
        return (Tensor(shape: [batch, units], scalars: output), index)
    }

    func backward(_ gradient: inout Tensor<Scalar>, gradientIsPreActivation: Bool, needsInputGradient: Bool) -> Tensor<Scalar>? {
        let (input, output) = cachedForward
        let batch = input.count / inputUnits
        let dz = preActivationGradient(
            &gradient, output: output, activation: activation, width: units, isPreActivation: gradientIsPreActivation)
        let stepRate = sparseIndex == nil ? nil : fusedStepRate
        // The last batch's kernel gradient buffer, written over in place: the model has released its copy by now
        // (a caller still holding it keeps its values: the write then copies first), and a fresh 784 x 128
        // float64 buffer every batch cost the seed MLP's epoch page faults and zeroing (Docs/benchmarks.md).
        var dKernel: [Scalar] = []
        if !gradients.isEmpty { swap(&dKernel, &gradients[0].scalars) }
        if stepRate == nil, dKernel.count != inputUnits * units { dKernel = uninitializedArray(inputUnits * units) }
        var dBias: [Tensor<Scalar>] = []
        var dInput: [Scalar]? = nil
        dz.withUnsafeBufferPointer { g in
            dBias = biasGradients(g, rows: batch, width: units, useBias: useBias)
            // Before any step on the kernel: the input gradient is the one of the kernel the forward pass used.
            if needsInputGradient {
                var dx: [Scalar] = uninitializedArray(batch * inputUnits)
                parameters[0].scalars.withUnsafeBufferPointer { w in
                    dx.withUnsafeMutableBufferPointer { dxp in
                        Scalar.gemm(
                            transposeA: false, transposeB: true, m: batch, n: inputUnits, k: units, alpha: 1,
                            a: g.baseAddress!, lda: units, b: w.baseAddress!, ldb: units, beta: 0, c: dxp.baseAddress!, ldc: inputUnits)
                    }
                }
                dInput = dx
            }
            input.scalars.withUnsafeBufferPointer { x in
                if let stepRate, let sparseIndex {
                    parameters[0].scalars.withUnsafeMutableBufferPointer { w in
                        sparseIndex.sgdStep(
                            x: .doubles(x.baseAddress!), outputGradient: .doubles(g.baseAddress!), units: units, rate: stepRate,
                            kernel: .doubles(w.baseAddress!))
                    }
                    return
                }
                dKernel.withUnsafeMutableBufferPointer { dw in
                    if let sparseIndex {
                        sparseIndex.kernelGradient(
                            x: .doubles(x.baseAddress!), outputGradient: .doubles(g.baseAddress!), units: units,
                            into: .doubles(dw.baseAddress!))
                    } else {
                        Scalar.gemm(
                            transposeA: true, transposeB: false, m: inputUnits, n: units, k: batch, alpha: 1,
                            a: x.baseAddress!, lda: inputUnits, b: g.baseAddress!, ldb: units, beta: 0, c: dw.baseAddress!, ldc: units)
                    }
                }
            }
        }
        steppedKernel = stepRate != nil
        gradients = [steppedKernel ? Tensor(shape: [0], scalars: []) : Tensor(shape: [inputUnits, units], scalars: dKernel)] + dBias
        return dInput.map { Tensor(shape: input.shape, scalars: $0) }
    }
}
