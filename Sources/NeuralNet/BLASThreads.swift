import Foundation

/// Runs work with the matrix products (OpenBLAS for `Double`, oneDNN for `Float`) limited to one thread while this
/// library splits the batch over the cores itself.
///
/// OpenBLAS' thread count is process-wide, so it is lowered only for the duration of `predict`/`fit` calls that
/// parallelise over examples (2 workers, one GEMM each, beats 2 BLAS threads fighting 2 workers for 2 cores)
/// and restored when the last such call ends. oneDNN's (OpenMP's) is per calling thread, so `Float.gemm` sets it
/// from `gemmThreads` on every call.
enum BLASThreads {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var depth = 0
    /// The `depth` of calls for `Double`, which hold OpenBLAS at one thread.
    nonisolated(unsafe) private static var openBLASDepth = 0
    nonisolated(unsafe) private static var saved: Int32 = 1

    /// Number of workers the library splits batches over: the machine's active cores, at most 8.
    static let workers = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))

    /// Threads a `Float` product may use now: 1 while any `withSingleThreadedBLAS` call runs, else `workers`.
    static var gemmThreads: Int32 {
        lock.lock()
        defer { lock.unlock() }
        return depth > 0 ? 1 : Int32(workers)
    }

    /// Runs `body` with the products of `Scalar` held at one thread. OpenBLAS is touched only for `Double`:
    /// `Float` products are oneDNN's, and loading OpenBLAS just to lower its thread count started its thread pool,
    /// whose idle thread spins on `sched_yield` (about 10% of `predict`'s CPU samples for the seed CNN).
    static func withSingleThreadedBLAS<Scalar: NNScalar, T>(for _: Scalar.Type, _ body: () throws -> T) rethrows -> T {
        let touchesOpenBLAS = Scalar.self != Float.self
        lock.lock()
        if touchesOpenBLAS {
            if openBLASDepth == 0 {
                saved = OpenBLAS.getNumThreads()
                OpenBLAS.setNumThreads(1)
            }
            openBLASDepth += 1
        }
        depth += 1
        lock.unlock()
        defer {
            lock.lock()
            depth -= 1
            if touchesOpenBLAS {
                openBLASDepth -= 1
                if openBLASDepth == 0 { OpenBLAS.setNumThreads(saved) }
            }
            lock.unlock()
        }
        return try body()
    }
}
