#include "kernel/sync/condvar.h"

#include "kernel/sched.h"

// A condition variable is just a sleep channel: its own address.

void condvar_init(struct condvar *cv, const char *name)
{
    cv->name = name;
}

void condvar_wait(struct condvar *cv, struct spinlock *lock)
{
    sched_sleep(cv, lock);
}

void condvar_signal(struct condvar *cv)
{
    sched_wakeup_one(cv);
}

void condvar_broadcast(struct condvar *cv)
{
    sched_wakeup(cv);
}
