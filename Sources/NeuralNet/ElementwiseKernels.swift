/// The element loops that no BLAS routine covers, as free functions specialized for `Float` and `Double` (a
/// generic loop called through protocol witnesses is many times slower than the concrete one). Loops index raw
/// base pointers with branch-free selects so that LLVM vectorizes them.

/// Adds `bias` to every row of the row-major matrix `matrix` (bias.count columns).
@inline(__always)
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func addRowBias<Scalar: NNScalar>(_ matrix: UnsafeMutableBufferPointer<Scalar>, _ bias: UnsafeBufferPointer<Scalar>) {
    let width = bias.count
    guard width > 0, let b = bias.baseAddress, var row = matrix.baseAddress else { return }
    for _ in 0..<(matrix.count / width) {
        for j in 0..<width { row[j] += b[j] }
        row += width
    }
}

/// Column sums of a row-major (rows, columns) matrix via BLAS gemv (bias gradients).
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func columnSums<Scalar: NNScalar>(
    _ matrix: UnsafeBufferPointer<Scalar>, rows: Int, columns: Int, into result: UnsafeMutableBufferPointer<Scalar>
) {
    guard rows > 0 else {
        for i in result.indices { result[i] = 0 }
        return
    }
    let ones = [Scalar](repeating: 1, count: rows)
    ones.withUnsafeBufferPointer { o in
        Scalar.gemv(
            transposeA: true, m: rows, n: columns, alpha: 1, a: matrix.baseAddress!, lda: columns, x: o.baseAddress!, beta: 0,
            y: result.baseAddress!)
    }
}

/// Adds `bias` (may be empty) to every row of `matrix` and applies `activation`, in one pass for ReLU.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func addBiasAndActivate<Scalar: NNScalar>(
    _ matrix: UnsafeMutableBufferPointer<Scalar>, bias: UnsafeBufferPointer<Scalar>, activation: Activation, width: Int
) {
    if activation == .relu && bias.count == width && width > 0, let b = bias.baseAddress, var row = matrix.baseAddress {
        for _ in 0..<(matrix.count / width) {
            for j in 0..<width {
                let v = row[j] + b[j]
                row[j] = Swift.max(v, 0)  // this form vectorizes (a ternary store did not)
            }
            row += width
        }
        return
    }
    if !bias.isEmpty { addRowBias(matrix, bias) }
    activation.apply(matrix, width: width)
}

/// Adds the layer's bias (`parameters[1]`, when `useBias`) to every row of `values` (rows of `width`) and applies
/// `activation`: the last step of Dense and of the convolutions.
func addBiasAndActivate<Scalar: NNScalar>(
    _ values: inout [Scalar], parameters: [Tensor<Scalar>], useBias: Bool, activation: Activation, width: Int
) {
    let bias = useBias ? parameters[1].scalars : []
    bias.withUnsafeBufferPointer { b in
        values.withUnsafeMutableBufferPointer { addBiasAndActivate($0, bias: b, activation: activation, width: width) }
    }
}

/// Takes over the caller's gradient storage (unique, so the activation backward runs in place) and returns the
/// gradient w.r.t. the input of `activation`: as given when `isPreActivation`, else through the activation's
/// backward from the layer's cached `output` (rows of `width`).
func preActivationGradient<Scalar: NNScalar>(
    _ gradient: inout Tensor<Scalar>, output: Tensor<Scalar>, activation: Activation, width: Int, isPreActivation: Bool
) -> [Scalar] {
    var dz: [Scalar] = []
    swap(&dz, &gradient.scalars)
    if !isPreActivation {
        output.scalars.withUnsafeBufferPointer { y in
            dz.withUnsafeMutableBufferPointer { activation.backward(output: y, gradient: $0, width: width) }
        }
    }
    return dz
}

/// The bias gradient of a layer with a bias: the column sums of the (rows, width) pre-activation gradient `dz`,
/// as the one-tensor list that follows the kernel gradient; [] when the layer has no bias.
func biasGradients<Scalar: NNScalar>(_ dz: UnsafeBufferPointer<Scalar>, rows: Int, width: Int, useBias: Bool) -> [Tensor<Scalar>] {
    guard useBias else { return [] }
    var dBias: [Scalar] = uninitializedArray(width)
    dBias.withUnsafeMutableBufferPointer { columnSums(dz, rows: rows, columns: width, into: $0) }
    return [Tensor(shape: [width], scalars: dBias)]
}

/// An array of `count` scalars whose contents are left for the caller to overwrite entirely (BLAS outputs with
/// beta = 0), saving the zero fill.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func uninitializedArray<Scalar: NNScalar>(_ count: Int) -> [Scalar] {
    [Scalar](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
}

/// `values[i] *= factor` for every i.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func scale<Scalar: NNScalar>(_ values: UnsafeMutableBufferPointer<Scalar>, by factor: Scalar) {
    guard let v = values.baseAddress else { return }
    for i in 0..<values.count { v[i] *= factor }
}

/// `target[i] += factor * values[i]` for every i.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func addScaled<Scalar: NNScalar>(_ values: UnsafeBufferPointer<Scalar>, _ factor: Scalar, into target: UnsafeMutableBufferPointer<Scalar>) {
    precondition(values.count == target.count)
    guard let v = values.baseAddress, let t = target.baseAddress else { return }
    for i in 0..<values.count { t[i] += factor * v[i] }
}

/// `values[i] *= factors[i]` for every i.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func multiply<Scalar: NNScalar>(_ values: UnsafeMutableBufferPointer<Scalar>, by factors: UnsafeBufferPointer<Scalar>) {
    precondition(values.count == factors.count)
    guard let v = values.baseAddress, let f = factors.baseAddress else { return }
    for i in 0..<values.count { v[i] *= f[i] }
}

/// Max-pool backward: for each image, `target[image][indices[k]] += values[k]` (indices are offsets within the
/// image, as recorded by `ConvolutionGeometry.maxPool`).
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func scatterAdd<Scalar: NNScalar>(
    _ values: UnsafeBufferPointer<Scalar>, at indices: UnsafeBufferPointer<Int32>, perImage: Int, imageSize: Int,
    into target: UnsafeMutableBufferPointer<Scalar>
) {
    guard perImage > 0, let v = values.baseAddress, let a = indices.baseAddress, let t = target.baseAddress else { return }
    for n in 0..<(values.count / perImage) {
        let image = t + n * imageSize
        let base = n * perImage
        for k in 0..<perImage { image[Int(a[base + k])] += v[base + k] }
    }
}

/// A zero-filled array of `count` scalars.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func zeros<Scalar: NNScalar>(_ count: Int) -> [Scalar] {
    [Scalar](repeating: 0, count: count)
}

/// Copies `count` scalars (a bulk memory copy once specialized).
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func copy<Scalar: NNScalar>(_ source: UnsafePointer<Scalar>, to target: UnsafeMutablePointer<Scalar>, count: Int) {
    target.update(from: source, count: count)
}
