/// Makes oneDNN generate its `Float` matrix-product kernels ahead of the first real product, so that a command can
/// do it while it waits for something else.
///
/// oneDNN writes its sgemm kernels for the CPU it runs on (JIT) at the first call: 26 ms on the 2-core AMD EPYC, a
/// fixed cost of every `predict`. `predict` calls `run()` on its prefetch thread while the isolated reader's process
/// loads the model, which takes longer. Calling it again, or from several threads, is harmless; a `Double` model
/// never needs it (its products are OpenBLAS').
public enum GEMMWarmUp {
    /// One 8 x 8 x 8 `Float` product on the calling thread.
    public static func run() {
        let a = [Float](repeating: 1, count: 64)
        var c = [Float](repeating: 0, count: 64)
        a.withUnsafeBufferPointer { a in
            c.withUnsafeMutableBufferPointer { c in
                Float.gemm(
                    transposeA: false, transposeB: false, m: 8, n: 8, k: 8, alpha: 1, a: a.baseAddress!, lda: 8, b: a.baseAddress!,
                    ldb: 8, beta: 0, c: c.baseAddress!, ldc: 8)
            }
        }
    }
}
