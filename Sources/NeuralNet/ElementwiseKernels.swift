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
