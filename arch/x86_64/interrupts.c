#include "arch/interrupts.h"

#include "arch/x86_64/rflags.h"

void intr_enable(void)
{
    __asm__ volatile("sti" ::: "memory");
}

void intr_disable(void)
{
    __asm__ volatile("cli" ::: "memory");
}

void intr_wait(void)
{
    // sti takes effect after the next instruction, so no interrupt can be
    // handled between the two: one that is pending ends the hlt at once.
    __asm__ volatile("sti; hlt" ::: "memory");
}

bool intr_enabled(void)
{
    return (rflags_read() & RFLAGS_IF) != 0;
}
