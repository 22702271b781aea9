#include "kernel/sync/sleeplock.h"

#include "kernel/panic.h"
#include "kernel/sched.h"

void sleeplock_init(struct sleeplock *lock, const char *name)
{
    lock->holder = NULL;
    lock->waiters = 0;
    spinlock_init(&lock->guard, name);
    lock->name = name;
}

// Takes the lock if it is free: one atomic compare-and-exchange.
static bool try_take(struct sleeplock *lock, struct thread *self)
{
    struct thread *free = NULL;
    return __atomic_compare_exchange_n(&lock->holder, &free, self, false, __ATOMIC_SEQ_CST,
                                       __ATOMIC_RELAXED);
}

void sleeplock_acquire(struct sleeplock *lock)
{
    struct thread *self = thread_current();
    if (try_take(lock, self)) {
        return;  // the common case: nobody held it
    }
    if (__atomic_load_n(&lock->holder, __ATOMIC_RELAXED) == self) {
        panic("sleeplock %s: acquired twice by thread %d", lock->name, self->tid);
    }
    // No wake-up can be lost between a failed try and the sleep. We count
    // ourselves before each try, and the releaser frees the lock before it
    // reads the count; both sequentially consistent, so either our try sees
    // the lock free or the releaser sees us counted. A releaser that sees
    // us takes the guard to wake us, and we hold the guard until
    // sched_sleep_uninterruptible has put us on the sleepers' list.
    spinlock_acquire(&lock->guard);
    __atomic_fetch_add(&lock->waiters, 1, __ATOMIC_SEQ_CST);
    while (!try_take(lock, self)) {
        sched_sleep_uninterruptible(lock, &lock->guard);
    }
    __atomic_fetch_sub(&lock->waiters, 1, __ATOMIC_SEQ_CST);
    spinlock_release(&lock->guard);
}

void sleeplock_release(struct sleeplock *lock)
{
    if (__atomic_load_n(&lock->holder, __ATOMIC_RELAXED) != thread_current()) {
        panic("sleeplock %s: released by a thread that does not hold it", lock->name);
    }
    __atomic_store_n(&lock->holder, NULL, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&lock->waiters, __ATOMIC_SEQ_CST) > 0) {
        // A woken waiter may find the lock taken again by a thread that came
        // by meanwhile; it then sleeps again, and that thread's release wakes
        // it.
        spinlock_acquire(&lock->guard);
        sched_wakeup_one(lock);
        spinlock_release(&lock->guard);
    }
}

bool sleeplock_held(struct sleeplock *lock)
{
    // Only the holder can change the holder from itself, so the answer for
    // the calling thread cannot be stale.
    return __atomic_load_n(&lock->holder, __ATOMIC_RELAXED) == thread_current();
}
