#pragma once

// Condition variables: wait until some state, guarded by a spinlock, changes.
//
//   spinlock_acquire(&lock);
//   while (!condition)
//       condvar_wait(&cv, &lock);
//   ... use the state ...
//   spinlock_release(&lock);
//
// and whoever changes the state, holding the same lock, calls condvar_signal
// (wake one waiter) or condvar_broadcast (wake all). A woken waiter must
// recheck its condition: another thread may have got there first.

#include "kernel/sync/spinlock.h"

#ifdef __cplusplus
extern "C" {
#endif

struct condvar {
    const char *name;
};

void condvar_init(struct condvar *cv, const char *name);

// Releases `lock`, sleeps until signalled, and takes `lock` again. The caller
// must hold `lock`; no signal sent after the caller checked its condition
// under the lock is missed. A killed thread does not sleep (sched_sleep):
// a wait loop checks thread_killed() and gives up, or it would spin.
void condvar_wait(struct condvar *cv, struct spinlock *lock);

// Wakes the longest waiter, if any.
void condvar_signal(struct condvar *cv);

// Wakes every waiter.
void condvar_broadcast(struct condvar *cv);

#ifdef __cplusplus
}
#endif
