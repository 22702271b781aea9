#pragma once

// Self-test of kernel threads, preemption, spinlocks, sleep locks and
// condition variables, run at boot (kernel command line selftest=threads).
// Needs the scheduler and the timer running. Prints its findings; returns
// true when every check passed.

#include <stdbool.h>

bool sched_selftest(void);
