#include "kernel/sync/spinlock.h"

#include "arch/cpus.h"
#include "kernel/panic.h"
#include "kernel/sync/intr.h"

void spinlock_init(struct spinlock *lock, const char *name)
{
    lock->locked = 0;
    lock->holder = 0;
    lock->name = name;
}

void spinlock_acquire(struct spinlock *lock)
{
    intr_push_off();
    unsigned self = cpus_current();
    // Interrupts are off, so only this CPU could have made holder name it,
    // and only this CPU clears it again before letting go: if holder names
    // this CPU, it holds the lock. (Another CPU that has just taken the lock
    // has not recorded itself yet, but holder is 0 then, not a stale
    // number: release clears it.)
    if (__atomic_load_n(&lock->holder, __ATOMIC_RELAXED) == self + 1) {
        panic("spinlock %s: acquired while already held (by this CPU, %u)", lock->name, self);
    }
    // Spin on a plain load, so that waiting CPUs share the line read-only
    // and only try the exchange once it looks free.
    while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0) {
        while (spinlock_held(lock)) {
            cpus_relax();
        }
    }
    __atomic_store_n(&lock->holder, self + 1, __ATOMIC_RELAXED);
}

void spinlock_release(struct spinlock *lock)
{
    if (!spinlock_held(lock)) {
        panic("spinlock %s: released while not held", lock->name);
    }
    __atomic_store_n(&lock->holder, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
    intr_pop_off();
}

bool spinlock_held(const struct spinlock *lock)
{
    return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0;
}
