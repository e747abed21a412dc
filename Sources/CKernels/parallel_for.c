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
// The generation each helper was started at: it takes part from the next one on, never in the one it was started
// for the middle of (whose task fields are being written as it starts).
static long start_generation[MAX_HELPERS];
static atomic_long generation = 0;  // Bumped when a task is posted.
static atomic_long sleepers = 0;
static atomic_long next_part, finished_parts;
static atomic_long checked_out;  // Helpers done with the current task: the next is posted only when all are.
static long task_parts, task_helpers;
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
    long seen = start_generation[index];  // Written before `pthread_create`, which orders it before this read.
    for (;;) {
        long now = atomic_load(&generation);
        for (int spin = 0; now == seen && spin < SPIN_YIELDS; spin++) {
            sched_yield();
            now = atomic_load(&generation);
        }
        if (now == seen) {
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);
            while ((now = atomic_load(&generation)) == seen) pthread_cond_wait(&wake, &sleep_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
        }
        seen = now;
        if (index < task_helpers) {
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
        start_generation[helpers] = atomic_load(&generation);
        if (pthread_create(&thread, 0, helper, (void *)helpers) != 0) break;
        pthread_detach(thread);
        helpers++;
    }
    task_body = body;
    task_context = context;
    task_parts = parts;
    task_helpers = threads - 1 < helpers ? threads - 1 : helpers;
    atomic_store(&finished_parts, 0);
    atomic_store(&checked_out, 0);
    atomic_store(&next_part, 0);
    // The task's fields are published by this increment (sequentially consistent), and read after the helpers see it.
    atomic_fetch_add(&generation, 1);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    work();
    // Every helper of this task must be out of `work` before the next task resets its counters.
    while (atomic_load(&finished_parts) < parts || atomic_load(&checked_out) < task_helpers) sched_yield();
    pthread_mutex_unlock(&busy);
}
