#include "kernel/timer.h"

static uint64_t ticks;

void timer_interrupt(void)
{
    // Only this function writes `ticks`, with interrupts off; the atomic
    // store pairs with the load in timer_ticks, which may run anywhere.
    __atomic_store_n(&ticks, ticks + 1, __ATOMIC_RELAXED);
}

uint64_t timer_ticks(void)
{
    return __atomic_load_n(&ticks, __ATOMIC_RELAXED);
}
