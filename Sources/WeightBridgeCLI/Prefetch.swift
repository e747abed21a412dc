import Dispatch

/// Work started on another thread at once and collected later, so that it overlaps with what the caller does
/// meanwhile: `predict` reads its input .npy while the model loads in the isolated reader's process.
///
/// The work's errors are not kept: `value()` returns nil for them, and the caller redoes the work on its usual path,
/// which throws the same error in the order the command reports errors (the model's first). Call `value()` once.
final class Prefetch<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Value?

    init(_ work: @escaping () throws -> Value?) {
        DispatchQueue.global(qos: .userInitiated).async {
            self.result = try? work()
            self.done.signal()
        }
    }

    /// Waits for the work; its value, or nil if it threw or gave nothing.
    func value() -> Value? {
        done.wait()
        return result
    }
}
