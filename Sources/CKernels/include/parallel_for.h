#ifndef WEIGHTBRIDGE_PARALLEL_FOR_H
#define WEIGHTBRIDGE_PARALLEL_FOR_H
// A small pool of threads for kernels called thousands of times a second (the float64 Dense products of a training
// batch, `SparseInputProduct`), where waking a sleeping thread for each call costs more than the call: Dispatch's
// `concurrentPerform` took 50-100 µs per call to wake its worker on this project's 2-core machines. The pool's threads
// spin for a short while after each task (yielding the core to anything else that wants it) before they sleep, as
// OpenBLAS' threads do.

/// Runs `body(context, part)` for every part in [0, parts): part by part on the calling thread and on up to
/// `threads` - 1 of the pool's threads, returning when all are done. Runs them all on the calling thread when
/// `threads` or `parts` is 1 or when another call is under way (a nested or concurrent call never waits for the pool).
/// The pool starts its threads at the first call that needs them; they live as long as the process.
void weightbridge_parallel_for(long parts, long threads, void (*body)(void *context, long part), void *context);
#endif
