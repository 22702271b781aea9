#pragma once

// Page size and page arithmetic for portable code.
//
// osv's memory management works in base pages of PAGE_SIZE bytes. Portable
// code never shifts by 12 or masks addresses by hand: it uses these helpers.

#include <stdbool.h>
#include <stdint.h>

// uint64_t, like vaddr_t and paddr_t, so that address arithmetic keeps one type.
#define PAGE_SIZE ((uint64_t)4096)

// Largest multiple of PAGE_SIZE that is <= addr.
static inline uint64_t pg_round_down(uint64_t addr)
{
    return addr & ~(PAGE_SIZE - 1);
}

// Smallest multiple of PAGE_SIZE that is >= addr. The caller makes sure the
// result does not wrap past the top of the address space.
static inline uint64_t pg_round_up(uint64_t addr)
{
    return (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static inline bool pg_aligned(uint64_t addr)
{
    return (addr & (PAGE_SIZE - 1)) == 0;
}
