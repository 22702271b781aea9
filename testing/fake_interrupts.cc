// Interrupt flag on the host (see arch/interrupts.h): a variable, so tests can
// check that locks turn interrupts off and restore them.

extern "C" {
#include "arch/interrupts.h"
}

namespace {
bool interrupts_on = true;
}

extern "C" void intr_enable(void)
{
    interrupts_on = true;
}

extern "C" void intr_disable(void)
{
    interrupts_on = false;
}

extern "C" bool intr_enabled(void)
{
    return interrupts_on;
}

extern "C" void intr_wait(void)
{
    interrupts_on = true;
}
