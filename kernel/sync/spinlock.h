#pragma once

// Spinlocks: short critical sections with interrupts off.
//
// Holding a spinlock keeps interrupts off (through intr_push_off), so the
// holder is never preempted and an interrupt handler never finds the lock
// taken by the code it interrupted. Hold them briefly and never sleep while
// holding one. A CPU that finds the lock held by another CPU spins (with a
// pause hint) until it is released: the atomic exchange makes sure only one
// CPU wins. Finding it held by the same CPU can only be a bug (it would spin
// forever), so that panics with the lock's name.

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

struct spinlock {
    int locked;        // 1 while held; changed only with atomic operations
    unsigned holder;   // 1 + the holder's cpus_current() while held and recorded, else 0
    const char *name;  // for panic messages
};

// clang-format 14 and 19 disagree on brace initializers in macros: hands off.
// clang-format off
#define SPINLOCK_INIT(lock_name) {.locked = 0, .holder = 0, .name = (lock_name)}
// clang-format on

void spinlock_init(struct spinlock *lock, const char *name);

// Takes the lock, spinning while another CPU holds it; interrupts stay off
// from the call until the matching release. Panics if this CPU holds it.
void spinlock_acquire(struct spinlock *lock);

// Releases the lock. Panics if it is not held.
void spinlock_release(struct spinlock *lock);

// True while some CPU holds the lock.
bool spinlock_held(const struct spinlock *lock);

#ifdef __cplusplus
}
#endif
