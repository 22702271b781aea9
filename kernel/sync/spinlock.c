#include "kernel/sync/spinlock.h"

#include "kernel/panic.h"
#include "kernel/sync/intr.h"

void spinlock_init(struct spinlock *lock, const char *name)
{
    lock->locked = 0;
    lock->name = name;
}

void spinlock_acquire(struct spinlock *lock)
{
    intr_push_off();
    if (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0) {
        panic("spinlock %s: acquired while already held", lock->name);
    }
}

void spinlock_release(struct spinlock *lock)
{
    if (!spinlock_held(lock)) {
        panic("spinlock %s: released while not held", lock->name);
    }
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
    intr_pop_off();
}

bool spinlock_held(const struct spinlock *lock)
{
    return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0;
}
