import Foundation

/// How many threads the matrix products (oneDNN for `Float`, OpenBLAS split over the kernels' pool for `Double`)
/// and the per-batch kernels may use: all the workers, or one while this library splits a batch over the cores
/// itself (2 workers, one product each, beat 2 product threads fighting 2 workers for 2 cores).
///
/// oneDNN's (OpenMP's) thread count is per calling thread, so `Float.gemm` sets it from `gemmThreads` on every call.
/// OpenBLAS always runs on one thread (`OpenBLAS`): `Double.gemm` and `SparseInputProduct` split their work over
/// `ParallelFor`'s pool when `gemmThreads` allows.
enum BLASThreads {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var depth = 0

    /// Number of workers the library splits batches over: the machine's active cores, at most 8.
    static let workers = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))

    /// Threads a product may use now: 1 while any `withSingleThreadedProducts` call runs, else `workers`.
    static var gemmThreads: Int32 {
        lock.lock()
        defer { lock.unlock() }
        return depth > 0 ? 1 : Int32(workers)
    }

    /// Runs `body` with the products held at one thread, for `predict` and `fit` calls that split their batches over
    /// the workers.
    static func withSingleThreadedProducts<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        depth += 1
        lock.unlock()
        defer {
            lock.lock()
            depth -= 1
            lock.unlock()
        }
        return try body()
    }
}
