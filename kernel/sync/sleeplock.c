#include "kernel/sync/sleeplock.h"

#include "kernel/panic.h"
#include "kernel/sched.h"

void sleeplock_init(struct sleeplock *lock, const char *name)
{
    spinlock_init(&lock->guard, name);
    lock->holder = NULL;
    lock->waiters = 0;
    lock->name = name;
}

void sleeplock_acquire(struct sleeplock *lock)
{
    struct thread *self = thread_current();
    spinlock_acquire(&lock->guard);
    if (lock->holder == self) {
        panic("sleeplock %s: acquired twice by thread %d", lock->name, self->tid);
    }
    while (lock->holder != NULL) {
        lock->waiters++;
        sched_sleep_uninterruptible(lock, &lock->guard);
        lock->waiters--;
    }
    lock->holder = self;
    spinlock_release(&lock->guard);
}

void sleeplock_release(struct sleeplock *lock)
{
    spinlock_acquire(&lock->guard);
    if (lock->holder != thread_current()) {
        panic("sleeplock %s: released by a thread that does not hold it", lock->name);
    }
    lock->holder = NULL;
    if (lock->waiters > 0) {
        sched_wakeup_one(lock);  // the scheduler's lock only when someone sleeps
    }
    spinlock_release(&lock->guard);
}

bool sleeplock_held(struct sleeplock *lock)
{
    spinlock_acquire(&lock->guard);
    bool held = lock->holder == thread_current();
    spinlock_release(&lock->guard);
    return held;
}
