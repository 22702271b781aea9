#include "arch/interrupts.h"

#include <stdint.h>

#define RFLAGS_IF (1u << 9)  // interrupt enable flag

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
    uint64_t rflags;
    __asm__ volatile("pushfq; popq %0" : "=r"(rflags));
    return (rflags & RFLAGS_IF) != 0;
}
