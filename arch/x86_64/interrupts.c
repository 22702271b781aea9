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

bool intr_enabled(void)
{
    uint64_t rflags;
    __asm__ volatile("pushfq; popq %0" : "=r"(rflags));
    return (rflags & RFLAGS_IF) != 0;
}
