// Boot-time self-test of threads, the scheduler and locks (see
// sched_selftest.h). Run it with the kernel command line selftest=threads.
//
// Criteria:
//  1. Mutual exclusion: THREADS threads each add ROUNDS to a counter under a
//     spinlock and to another under a sleep lock, yielding inside the sleep
//     lock's critical section so that others queue on it; both counters end
//     at THREADS * ROUNDS.
//  2. Preemption: a thread that spins without ever yielding still loses the
//     CPU (the test cannot finish otherwise: it waits for the spinner to see
//     a flag that only another thread sets).
//  3. Condition variables: the main thread sleeps until all workers are done.
//  4. No leak: once every thread has exited, live threads and free pages are
//     back at their values from before the test.
//  5. Rest points (sched_others_at_rest, for the invariant checker): a
//     thread the timer preempted in kernel code is not at rest until it runs
//     again; the idle thread, preempted by the tick that wakes a sleeper,
//     always is (it only halts).

#include "kernel/selftest/sched_selftest.h"

#include "kernel/kprintf.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "kernel/sync/condvar.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/sync/spinlock.h"
#include "kernel/thread.h"

#define THREADS 16
#define ROUNDS  200

static struct spinlock state_lock = SPINLOCK_INIT("selftest state");
static struct sleeplock sleep_lock;
static struct condvar all_done;
static long spin_counter;    // guarded by state_lock
static long sleep_counter;   // guarded by sleep_lock
static int sleep_holders;    // atomic: workers inside sleep_lock right now
static long sleep_overlaps;  // atomic: times a worker found another inside
static int workers_done;     // guarded by state_lock
static volatile int spinner_may_stop;
static volatile int spinner_stopped;

static volatile int kernel_spinner_may_stop;

// Spins in kernel code until told to stop: only the timer takes the CPU
// away from it.
static void kernel_spinner(void *unused)
{
    (void)unused;
    while (!kernel_spinner_may_stop) {
    }
}

// Criterion 5. Returns whether it held.
static bool rest_points_hold(void)
{
    int threads_before = thread_count();
    if (thread_create("kernel spinner", kernel_spinner, NULL, NULL) != ERR_OK) {
        kprintf("sched selftest: cannot create the kernel spinner\n");
        return false;
    }
    sched_yield_cpu();  // the spinner runs until a tick preempts it in kernel code
    bool spinner_seen = !sched_others_at_rest();
    kernel_spinner_may_stop = 1;
    while (thread_count() > threads_before) {
        sched_yield_cpu();
    }
    // Nothing else runs now: idle halts until the tick that ends this sleep,
    // and that tick preempts idle to run this thread.
    (void)sched_sleep_ticks(2);
    bool idle_at_rest = sched_others_at_rest();
    kprintf("sched selftest: rest points: a thread preempted in kernel code %s, the idle thread "
            "%s\n",
            spinner_seen ? "is not at rest" : "WAS TAKEN FOR AT REST",
            idle_at_rest ? "is at rest" : "WAS TAKEN FOR PART WAY THROUGH KERNEL CODE");
    return spinner_seen && idle_at_rest;
}

static void worker(void *unused)
{
    (void)unused;
    for (int i = 0; i < ROUNDS; i++) {
        spinlock_acquire(&state_lock);
        spin_counter++;
        spinlock_release(&state_lock);

        sleeplock_acquire(&sleep_lock);
        if (!sleeplock_held(&sleep_lock)) {
            panic("sched selftest: sleeplock_held says the holder does not hold it");
        }
        // Entering counts itself, and stays a while: on several CPUs, a
        // lock that let two in would let them meet here.
        if (__atomic_add_fetch(&sleep_holders, 1, __ATOMIC_SEQ_CST) != 1) {
            __atomic_fetch_add(&sleep_overlaps, 1, __ATOMIC_RELAXED);
        }
        long seen = sleep_counter;
        if (i % 16 == 0) {
            sched_yield_cpu();  // others now wait for the sleep lock
        }
        for (volatile int stay = 0; stay < 100; stay++) {
        }
        sleep_counter = seen + 1;
        __atomic_sub_fetch(&sleep_holders, 1, __ATOMIC_SEQ_CST);
        sleeplock_release(&sleep_lock);
    }
    spinlock_acquire(&state_lock);
    workers_done++;
    condvar_signal(&all_done);  // only the main thread waits on it
    spinlock_release(&state_lock);
}

// Never yields: only preemption lets anyone else run while it spins.
static void spinner(void *unused)
{
    (void)unused;
    while (!spinner_may_stop) {
    }
    spinner_stopped = 1;
}

static void releaser(void *unused)
{
    (void)unused;
    spinner_may_stop = 1;
}

bool sched_selftest(void)
{
    size_t free_before = pmem_free_pages();
    int threads_before = thread_count();
    unsigned long switches_before = sched_switch_count();
    sleeplock_init(&sleep_lock, "selftest sleep lock");
    condvar_init(&all_done, "selftest all done");

    // The spinner runs first and would keep the CPU forever without a timer.
    if (thread_create("spinner", spinner, NULL, NULL) != ERR_OK ||
        thread_create("releaser", releaser, NULL, NULL) != ERR_OK) {
        kprintf("sched selftest: cannot create threads\n");
        return false;
    }
    for (int i = 0; i < THREADS; i++) {
        if (thread_create("worker", worker, NULL, NULL) != ERR_OK) {
            kprintf("sched selftest: cannot create worker %d\n", i);
            return false;
        }
    }

    spinlock_acquire(&state_lock);
    while (workers_done < THREADS) {
        condvar_wait(&all_done, &state_lock);
    }
    spinlock_release(&state_lock);
    while (!spinner_stopped || thread_count() > threads_before) {
        sched_yield_cpu();
    }

    long expected = (long)THREADS * ROUNDS;
    size_t free_after = pmem_free_pages();
    kprintf("sched selftest: %d workers x %d rounds: spinlock counter %ld, sleeplock counter "
            "%ld (expected %ld), %ld holds shared with another; %lu context switches; free "
            "pages %lu -> %lu\n",
            THREADS, ROUNDS, spin_counter, sleep_counter, expected, sleep_overlaps,
            sched_switch_count() - switches_before, free_before, free_after);
    bool ok = spin_counter == expected && sleep_counter == expected && sleep_overlaps == 0 &&
              free_after == free_before;
    ok = rest_points_hold() && ok;
    kprintf("sched selftest: %s\n", ok ? "passed" : "FAILED");
    return ok;
}
