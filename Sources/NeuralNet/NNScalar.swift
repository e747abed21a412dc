import CDNNL
import Foundation

/// The scalar types a network can compute in: `Float` (Keras models) and `Double` (NumPy float64 models).
///
/// Each conforming type routes matrix products to its own routine (oneDNN's `dnnl_sgemm` for `Float`, OpenBLAS'
/// `cblas_dgemm` through `OpenBLAS`, loaded at first use for `Double`; Docs/architecture.md says why) and supplies the elementary functions the activations need, so layers are written once, generic over the type.
public protocol NNScalar: BinaryFloatingPoint, Sendable where Self.RawSignificand: FixedWidthInteger {
    /// Row-major `C = alpha * op(A) * op(B) + beta * C`, with `op(A)` of shape (m, k) and `op(B)` of shape (k, n).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int, beta: Self,
        c: UnsafeMutablePointer<Self>, ldc: Int)
    /// Row-major `y = alpha * op(A) * x + beta * y`, with `A` of shape (m, n).
    static func gemv(
        transposeA: Bool, m: Int, n: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        x: UnsafePointer<Self>, beta: Self, y: UnsafeMutablePointer<Self>)
    /// e^x.
    static func exp(_ x: Self) -> Self
    /// Natural logarithm.
    static func log(_ x: Self) -> Self
    /// Hyperbolic tangent.
    static func tanh(_ x: Self) -> Self
}

extension Float: NNScalar {
    /// oneDNN's `dnnl_sgemm`, row-major: its kernel follows the CPU it runs on (AVX-512 where there is one, AVX2 or
    /// SSE4.1 elsewhere), on one thread inside `BLASThreads.withSingleThreadedProducts` and on every worker outside it.
    /// Falls back to OpenBLAS' `cblas_sgemm` for arguments oneDNN refuses (an empty product, say).
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m > 0 && n > 0 && k > 0 {
            omp_set_num_threads(BLASThreads.gemmThreads)
            let status = dnnl_sgemm(
                transposeA ? CChar(UInt8(ascii: "T")) : CChar(UInt8(ascii: "N")),
                transposeB ? CChar(UInt8(ascii: "T")) : CChar(UInt8(ascii: "N")),
                Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
            if status == dnnl_success { return }
        }
        OpenBLAS.sgemm(
            OpenBLAS.rowMajor, OpenBLAS.transpose(transposeA), OpenBLAS.transpose(transposeB), Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    /// `gemm` with a one-column right-hand side (oneDNN's own matrix-vector path), for the same reason as `gemm`.
    public static func gemv(
        transposeA: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        if m > 0 && n > 0 {
            omp_set_num_threads(BLASThreads.gemmThreads)
            let status = dnnl_sgemm(
                transposeA ? CChar(UInt8(ascii: "T")) : CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")), Int64(transposeA ? n : m), 1,
                Int64(transposeA ? m : n), alpha, a, Int64(lda), x, 1, beta, y, 1)
            if status == dnnl_success { return }
        }
        OpenBLAS.sgemv(OpenBLAS.rowMajor, OpenBLAS.transpose(transposeA), Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
    /// `expf`.
    @inline(__always) public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
    /// `logf`.
    @inline(__always) public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    /// `tanhf`.
    @inline(__always) public static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
}

extension Double: NNScalar {
    /// `cblas_dgemm`, row-major. OpenBLAS runs on one thread (`OpenBLAS`); a product of at least
    /// `splitMultiplyAdds` multiply-adds is split here over `BLASThreads.gemmThreads` threads of the kernels' pool
    /// (`ParallelFor`), by rows of the output when it has at least as many rows as columns, else by columns.
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        func product(m: Int, n: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>) {
            OpenBLAS.dgemm(
                OpenBLAS.rowMajor, OpenBLAS.transpose(transposeA), OpenBLAS.transpose(transposeB), Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
        let byRows = m >= n
        let parts = m * n * k >= splitMultiplyAdds ? min(Int(BLASThreads.gemmThreads), (byRows ? m : n) / 8) : 1
        guard parts > 1 else { return product(m: m, n: n, a: a, b: b, c: c) }
        ParallelFor.run(parts: parts) { part in
            let range = ParallelFor.bounds(part: part, of: parts, count: byRows ? m : n, alignment: 8)
            let first = range.lowerBound
            if byRows {
                product(m: range.count, n: n, a: a + (transposeA ? first : first * lda), b: b, c: c + first * ldc)
            } else {
                product(m: m, n: range.count, a: a, b: b + (transposeB ? first * ldb : first), c: c + first)
            }
        }
    }

    /// Multiply-adds from which `gemm` splits a product over the cores: OpenBLAS' own threshold for using its threads
    /// (65,536 x 4). The seed MLP's products of its second layer (64 x 128 x 64) are split, the third layer's are not.
    static let splitMultiplyAdds = 1 << 18

    /// `cblas_dgemv`, row-major.
    public static func gemv(
        transposeA: Bool, m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        OpenBLAS.dgemv(OpenBLAS.rowMajor, OpenBLAS.transpose(transposeA), Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }
    /// `exp`.
    @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    /// `log`.
    @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
    /// `tanh`.
    @inline(__always) public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
}
