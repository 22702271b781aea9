#include "kernel/sync/intr.h"

#include <stdbool.h>

#include "arch/interrupts.h"
#include "kernel/panic.h"

static int depth;
static bool enabled_before;  // interrupt state at the outermost push_off

void intr_push_off(void)
{
    bool was_enabled = intr_enabled();
    intr_disable();
    if (depth == 0) {
        enabled_before = was_enabled;
    }
    depth++;
}

void intr_pop_off(void)
{
    if (intr_enabled()) {
        panic("intr_pop_off: interrupts are on inside a push_off region");
    }
    if (depth == 0) {
        panic("intr_pop_off: no matching intr_push_off");
    }
    depth--;
    if (depth == 0 && enabled_before) {
        intr_enable();
    }
}

int intr_push_depth(void)
{
    return depth;
}

bool intr_outer_state(void)
{
    return enabled_before;
}

void intr_set_outer_state(bool enabled)
{
    enabled_before = enabled;
}
