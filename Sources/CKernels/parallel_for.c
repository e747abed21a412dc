#include "parallel_for.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

// The pool's threads: at most this many besides the caller.
#define MAX_HELPERS 7
// How long a helper keeps looking for the next task before it sleeps: yields of the core, about 1 µs each.
#define SPIN_YIELDS 200

static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;  // Held by the call under way.
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static long helpers = 0;  // Threads started (under `busy`).
// The task number each helper was started at: it takes part from the next task on, never in the one being posted
// as it starts (whose fields are being written).
static long start_task[MAX_HELPERS];
// The task posted last: its number times 256 plus how many helpers take part in it, in one word, so that a helper
// decides whether to take part from the same read that shows it the task (a task's other fields may already be
// the next task's by the time a helper that takes no part looks at them; a helper that takes part holds them still,
// since the next task waits for it to check out).
static atomic_long posted = 0;
static atomic_long sleepers = 0;
static atomic_long next_part, finished_parts;
static atomic_long checked_out;  // Helpers done with the current task: the next is posted only when all are.
static long task_parts;
static void (*task_body)(void *, long);
static void *task_context;

// Takes parts of the current task until none is left.
static void work(void) {
    for (;;) {
        long part = atomic_fetch_add(&next_part, 1);
        if (part >= task_parts) return;
        task_body(task_context, part);
        atomic_fetch_add(&finished_parts, 1);
    }
}

static void *helper(void *argument) {
    long index = (long)argument;
    long seen = start_task[index];  // Written before `pthread_create`, which orders it before this read.
    for (;;) {
        long now = atomic_load(&posted);
        for (int spin = 0; now >> 8 == seen && spin < SPIN_YIELDS; spin++) {
            sched_yield();
            now = atomic_load(&posted);
        }
        if (now >> 8 == seen) {
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);
            while ((now = atomic_load(&posted)) >> 8 == seen) pthread_cond_wait(&wake, &sleep_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
        }
        seen = now >> 8;
        if (index < (now & 255)) {
            work();
            atomic_fetch_add(&checked_out, 1);
        }
    }
    return 0;
}

void weightbridge_parallel_for(long parts, long threads, void (*body)(void *context, long part), void *context) {
    if (threads > MAX_HELPERS + 1) threads = MAX_HELPERS + 1;
    if (threads > parts) threads = parts;
    if (threads <= 1 || pthread_mutex_trylock(&busy) != 0) {
        for (long part = 0; part < parts; part++) body(context, part);
        return;
    }
    while (helpers < threads - 1) {
        pthread_t thread;
        start_task[helpers] = atomic_load(&posted) >> 8;
        if (pthread_create(&thread, 0, helper, (void *)helpers) != 0) break;
        pthread_detach(thread);
        helpers++;
    }
    long taking_part = threads - 1 < helpers ? threads - 1 : helpers;
    task_body = body;
    task_context = context;
    task_parts = parts;
    atomic_store(&finished_parts, 0);
    atomic_store(&checked_out, 0);
    atomic_store(&next_part, 0);
    // The task's fields are published by this store (sequentially consistent), and read after a helper sees it.
    atomic_store(&posted, ((atomic_load(&posted) >> 8) + 1) << 8 | taking_part);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    work();
    // Every helper of this task must be out of `work` before the next task resets its counters.
    while (atomic_load(&finished_parts) < parts || atomic_load(&checked_out) < taking_part) sched_yield();
    pthread_mutex_unlock(&busy);
}
