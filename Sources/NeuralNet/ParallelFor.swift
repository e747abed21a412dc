import CKernels

/// Splits a loop over the cores through the kernels' own small thread pool (`parallel_for.h`), for work done
/// thousands of times a second (a training batch's products, its SGD step, its gather), where waking one of
/// Dispatch's sleeping threads per call costs more than the call.
enum ParallelFor {
    /// Values from which a memory-bound loop (the SGD step of one array, `fit`'s gather of a batch's rows) is split
    /// over the cores: below it, handing half to the pool's thread costs about what it saves.
    static let memoryBoundSplitCount = 1 << 15

    /// Runs `body(part)` for every part in 0..<`parts`, on up to `threads` threads (the caller's among them), and
    /// returns when all are done. Runs them in order on the calling thread when `threads` or `parts` is 1, or when
    /// another split is under way (a nested call never waits for the pool).
    static func run(parts: Int, threads: Int = BLASThreads.workers, _ body: (Int) -> Void) {
        guard parts > 1, threads > 1 else {
            for part in 0..<max(parts, 0) { body(part) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var body = body
            withUnsafeMutablePointer(to: &body) { context in
                weightbridge_parallel_for(
                    parts, threads,
                    { context, part in context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(part) }, context)
            }
        }
    }

    /// The bounds of part `part` of `count` items split into `parts` nearly equal parts, each starting at a multiple
    /// of `alignment` (the last part takes what remains).
    static func bounds(part: Int, of parts: Int, count: Int, alignment: Int = 1) -> Range<Int> {
        let blocks = count / alignment
        let begin = blocks * part / parts * alignment
        let end = part == parts - 1 ? count : blocks * (part + 1) / parts * alignment
        return begin..<end
    }
}
