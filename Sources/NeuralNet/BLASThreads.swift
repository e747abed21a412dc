import Foundation

/// Runs work with OpenBLAS limited to one thread while this library splits the batch over the cores itself.
///
/// OpenBLAS' thread count is process-wide, so it is lowered only for the duration of `predict`/`fit` calls that
/// parallelise over examples (2 workers, one GEMM each, beats 2 OpenBLAS threads fighting 2 workers for 2 cores)
/// and restored when the last such call ends.
enum BLASThreads {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var depth = 0
    nonisolated(unsafe) private static var saved: Int32 = 1

    /// Number of workers the library splits batches over: the machine's active cores, at most 8.
    static let workers = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))

    static func withSingleThreadedBLAS<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        if depth == 0 {
            saved = OpenBLAS.getNumThreads()
            OpenBLAS.setNumThreads(1)
        }
        depth += 1
        lock.unlock()
        defer {
            lock.lock()
            depth -= 1
            if depth == 0 { OpenBLAS.setNumThreads(saved) }
            lock.unlock()
        }
        return try body()
    }
}
