#pragma once

// Sleep locks: mutual exclusion for long critical sections.
//
// Unlike a spinlock, a sleep lock may be held while sleeping (waiting for a
// pipe, a child, a page of memory), and a thread that finds it taken sleeps
// instead of spinning, with interrupts on. It cannot be used in interrupt
// handlers. Taking a sleep lock the caller already holds would deadlock, so
// it panics with the lock's name.

#include <stdbool.h>

#include "kernel/sync/spinlock.h"

#ifdef __cplusplus
extern "C" {
#endif

struct thread;

struct sleeplock {
    struct spinlock guard;  // protects holder and waiters
    struct thread *holder;  // NULL when free
    int waiters;            // threads asleep in sleeplock_acquire
    const char *name;
};

void sleeplock_init(struct sleeplock *lock, const char *name);

// Waits until the lock is free, then takes it. Panics if the caller holds it.
void sleeplock_acquire(struct sleeplock *lock);

// Releases the lock and wakes its waiters. Panics unless the caller holds it.
void sleeplock_release(struct sleeplock *lock);

// True when the calling thread holds the lock.
bool sleeplock_held(struct sleeplock *lock);

#ifdef __cplusplus
}
#endif
