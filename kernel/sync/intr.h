#pragma once

// Nested interrupt disabling.
//
// intr_push_off turns interrupts off and counts; intr_pop_off undoes one
// push_off, and turns interrupts back on only when the outermost push_off
// found them on. So code that needs interrupts off can call push_off/pop_off
// in matched pairs without knowing whether its caller had them off already.
// Spinlocks use this. The count belongs to the CPU (arch/cpus.h's struct
// cpu_local): each CPU's interrupt flag is its own.

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

void intr_push_off(void);

// Panics if there is no matching intr_push_off, or if interrupts were turned
// on in between (a bug: something enabled interrupts inside a locked region).
void intr_pop_off(void);

// This CPU's nesting depth: 0 when no push_off is outstanding. Any context.
int intr_push_depth(void);

// The state the outermost intr_pop_off will restore belongs to the running
// thread, not to the CPU: the scheduler saves it before switching threads and
// puts it back when the thread runs again (kernel/sched.c). Both act on the
// calling CPU's: call with interrupts off.
bool intr_outer_state(void);
void intr_set_outer_state(bool enabled);

#ifdef __cplusplus
}
#endif
