#pragma once

// Turning the CPU's interrupts on and off.
//
// Portable code rarely calls these directly: it uses intr_push_off and
// intr_pop_off (kernel/sync/intr.h), which nest, or a spinlock, which uses
// them. On the host (testing/fake_interrupts.cc) the flag is a variable.

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

void intr_enable(void);
void intr_disable(void);
bool intr_enabled(void);

// Enables interrupts and waits until one has been handled; returns with
// interrupts on. Enabling and waiting are one step, so a caller that checks
// its condition with interrupts off and then calls intr_wait cannot miss the
// interrupt that changes it. The idle loop's primitive. On the host it only
// turns the flag on.
void intr_wait(void);

#ifdef __cplusplus
}
#endif
