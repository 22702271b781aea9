#pragma once

// Sleep locks: mutual exclusion for long critical sections.
//
// Unlike a spinlock, a sleep lock may be held while sleeping (waiting for a
// pipe, a child, a page of memory), and a thread that finds it taken sleeps
// instead of spinning, with interrupts on. It cannot be used in interrupt
// handlers. Taking a sleep lock the caller already holds would deadlock, so
// it panics with the lock's name.
//
// Taking a free lock and releasing one nobody waits for are one atomic
// operation each, with interrupts left as they are: address spaces take
// theirs at every page fault. Only a thread that must wait, and the release
// that wakes it, take the guard spinlock.
//
// A release still reads the lock after it has let the next holder in (to
// see whether anyone waits): free a lock's memory only once no thread can
// be part way through releasing it. (An address space's goes with the
// address space, after its other threads have ended and its readers have
// left: kernel/proc_table.c.)

#include <stdbool.h>

#include "kernel/sync/spinlock.h"

#ifdef __cplusplus
extern "C" {
#endif

struct thread;

struct sleeplock {
    struct thread *holder;  // atomic: NULL when free
    int waiters;            // atomic: threads waiting in sleeplock_acquire
    struct spinlock guard;  // held by a waiter until it sleeps, and to wake it
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
