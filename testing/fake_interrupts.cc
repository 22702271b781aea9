// Interrupt flag on the host (see arch/interrupts.h): a variable, so tests can
// check that locks turn interrupts off and restore them, and a count of the
// times it went off (testing/fake_interrupts.h).

#include "testing/fake_interrupts.h"

extern "C" {
#include "arch/interrupts.h"
}

namespace {
bool interrupts_on = true;
int disables = 0;
}  // namespace

int fake_intr_disable_count()
{
    return disables;
}

extern "C" void intr_enable(void)
{
    interrupts_on = true;
}

extern "C" void intr_disable(void)
{
    disables++;
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
