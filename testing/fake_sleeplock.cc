// kernel/sync/sleeplock.h on the host, where only the test runs: a lock is
// free or held, by "the" thread. Taking a held lock would sleep until
// another thread released it, and there is no other: that stops the test
// (a panic, which tests can expect) instead of hanging it.

extern "C" {
#include "kernel/panic.h"
#include "kernel/sync/sleeplock.h"
}

namespace {
// What `holder` points to while held: the host has one thread, so any
// non-NULL value means "held by the caller".
char the_thread;
}  // namespace

void sleeplock_init(struct sleeplock *lock, const char *name)
{
    spinlock_init(&lock->guard, name);
    lock->holder = nullptr;
    lock->waiters = 0;
    lock->name = name;
}

void sleeplock_acquire(struct sleeplock *lock)
{
    if (lock->holder != nullptr) {
        panic("sleeplock %s: acquired while held (on the host nothing else could release it)",
              lock->name);
    }
    lock->holder = reinterpret_cast<struct thread *>(&the_thread);
}

void sleeplock_release(struct sleeplock *lock)
{
    if (lock->holder == nullptr) {
        panic("sleeplock %s: released while not held", lock->name);
    }
    lock->holder = nullptr;
}

bool sleeplock_held(struct sleeplock *lock)
{
    return lock->holder != nullptr;
}
