/// The element loops that no BLAS routine covers, as free functions specialized for `Float` and `Double` (a
/// generic loop called through protocol witnesses is many times slower than the concrete one).

/// Adds `bias` to every row of the row-major matrix `matrix` (bias.count columns).
@inline(__always)
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func addRowBias<Scalar: NNScalar>(_ matrix: UnsafeMutableBufferPointer<Scalar>, _ bias: UnsafeBufferPointer<Scalar>) {
    let width = bias.count
    guard width > 0 else { return }
    var row = 0
    while row < matrix.count {
        for j in 0..<width { matrix[row + j] += bias[j] }
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
    if activation == .relu && bias.count == width && width > 0 {
        var row = 0
        while row < matrix.count {
            for j in 0..<width {
                let v = matrix[row + j] + bias[j]
                matrix[row + j] = v < 0 ? 0 : v
            }
            row += width
        }
        return
    }
    if !bias.isEmpty { addRowBias(matrix, bias) }
    activation.apply(matrix, width: width)
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
    for i in 0..<values.count { values[i] *= factor }
}

/// `target[i] += factor * values[i]` for every i.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func addScaled<Scalar: NNScalar>(_ values: UnsafeBufferPointer<Scalar>, _ factor: Scalar, into target: UnsafeMutableBufferPointer<Scalar>) {
    precondition(values.count == target.count)
    for i in 0..<values.count { target[i] += factor * values[i] }
}

/// `values[i] *= factors[i]` for every i.
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func multiply<Scalar: NNScalar>(_ values: UnsafeMutableBufferPointer<Scalar>, by factors: UnsafeBufferPointer<Scalar>) {
    precondition(values.count == factors.count)
    for i in 0..<values.count { values[i] *= factors[i] }
}

/// `target[indices[i]] += values[i]` for every i (max-pool gradients to their argmax).
@_specialize(where Scalar == Float)
@_specialize(where Scalar == Double)
func scatterAdd<Scalar: NNScalar>(
    _ values: UnsafeBufferPointer<Scalar>, at indices: UnsafeBufferPointer<Int>, into target: UnsafeMutableBufferPointer<Scalar>
) {
    for i in 0..<values.count { target[indices[i]] += values[i] }
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
