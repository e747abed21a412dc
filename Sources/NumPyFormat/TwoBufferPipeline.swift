import Dispatch
import Foundation

/// Moves data through two buffers so that producing the next piece (inflating a deflated member) overlaps consuming
/// the last one (writing it to a file): `writeMemberAsNPY` of a deflated member spent as long writing and waiting for
/// the disk as inflating, one after the other.
///
/// `fill` runs on a background thread, `drain` on the caller's, each piece in order. A failure on either side stops
/// both (`fill` is not called again once `drain` has thrown, and the reverse), and `run` returns only after the
/// background thread is done, so neither closure runs after it.
enum TwoBufferPipeline {
    /// Produces `sizes.count` pieces of `sizes[i]` bytes with `fill(i, buffer)` and hands each to `drain(buffer)` in
    /// order, through two buffers of the largest size. Rethrows the first error of either side (`drain`'s when both
    /// fail).
    static func run(
        sizes: [Int], fill: @escaping (Int, UnsafeMutableRawBufferPointer) throws -> Void,
        drain: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws {
        guard !sizes.isEmpty else { return }
        let capacity = max(sizes.max() ?? 1, 1)
        let state = State(
            buffers: [0, 1].map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64) }, fill: fill)
        let buffers = state.buffers
        defer { for buffer in buffers { buffer.deallocate() } }
        // Each buffer starts free. The semaphores are made at 0 and signalled, because libdispatch stops the process
        // when a semaphore is released below the value it was made with, as a failure can leave one.
        let free = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
        for semaphore in free { semaphore.signal() }
        let full = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global(qos: .userInitiated).async {
            defer { finished.signal() }
            for (i, size) in sizes.enumerated() {
                free[i % 2].wait()
                if state.stopped { return }
                do {
                    try state.fill(i, UnsafeMutableRawBufferPointer(rebasing: state.buffers[i % 2][0..<size]))
                } catch {
                    state.fail(error)
                    full[i % 2].signal()
                    return
                }
                full[i % 2].signal()
            }
        }
        var drainError: Error? = nil
        for (i, size) in sizes.enumerated() {
            full[i % 2].wait()
            if state.failure != nil { break }
            do {
                try drain(UnsafeMutableRawBufferPointer(rebasing: buffers[i % 2][0..<size]))
            } catch {
                drainError = error
                state.stop()
                // Wakes the producer whichever buffer it waits for; it sees `stopped` and ends.
                free[0].signal()
                free[1].signal()
                break
            }
            free[i % 2].signal()
        }
        finished.wait()
        if let drainError { throw drainError }
        if let failure = state.failure { throw failure }
    }

    /// What the two sides share: the buffers and `fill` (the producer's alone while it runs, as each buffer is one
    /// side's at a time by the semaphores), and what they tell each other, under a lock.
    private final class State: @unchecked Sendable {
        let buffers: [UnsafeMutableRawBufferPointer]
        let fill: (Int, UnsafeMutableRawBufferPointer) throws -> Void
        private let lock = NSLock()
        private var _stopped = false
        private var _failure: Error?

        /// The consumer has given up: the producer fills no more pieces.
        var stopped: Bool { lock.withLock { _stopped } }
        /// The producer's error, if it failed.
        var failure: Error? { lock.withLock { _failure } }

        init(buffers: [UnsafeMutableRawBufferPointer], fill: @escaping (Int, UnsafeMutableRawBufferPointer) throws -> Void) {
            self.buffers = buffers
            self.fill = fill
        }

        func stop() { lock.withLock { _stopped = true } }
        func fail(_ error: Error) { lock.withLock { _failure = error } }
    }
}
