#include "kernel/sync/intr.h"

#include <stdbool.h>

#include "arch/cpus.h"
#include "arch/interrupts.h"
#include "kernel/panic.h"

void intr_push_off(void)
{
    bool was_enabled = intr_enabled();
    intr_disable();
    // Only now is this CPU's struct surely this thread's.
    struct cpu_local *cpu = cpus_local();
    if (cpu->intr_depth == 0) {
        cpu->intr_outer_enabled = was_enabled;
    }
    cpu->intr_depth++;
}

void intr_pop_off(void)
{
    if (intr_enabled()) {
        panic("intr_pop_off: interrupts are on inside a push_off region");
    }
    struct cpu_local *cpu = cpus_local();
    if (cpu->intr_depth == 0) {
        panic("intr_pop_off: no matching intr_push_off");
    }
    cpu->intr_depth--;
    if (cpu->intr_depth == 0 && cpu->intr_outer_enabled) {
        intr_enable();
    }
}

int intr_push_depth(void)
{
    intr_push_off();
    int depth = cpus_local()->intr_depth - 1;
    intr_pop_off();
    return depth;
}

bool intr_outer_state(void)
{
    return cpus_local()->intr_outer_enabled;
}

void intr_set_outer_state(bool enabled)
{
    cpus_local()->intr_outer_enabled = enabled;
}
