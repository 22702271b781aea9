#include "arch/x86_64/mmu.h"

#include <stdint.h>

#include "kernel/panic.h"

// CR3 holds flags in its low 12 bits (PWT, PCD; PCID when enabled).
#define CR3_ADDRESS_MASK 0x000FFFFFFFFFF000ull

void mmu_load_root(paddr_t pml4)
{
    kassert(pml4 != 0);  // the kernel's page table before boot has set it up
    __asm__ volatile("mov %0, %%cr3" : : "r"(pml4) : "memory");
}

paddr_t mmu_active_root(void)
{
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    return cr3 & CR3_ADDRESS_MASK;
}

void mmu_invalidate_page(vaddr_t vaddr)
{
    __asm__ volatile("invlpg (%0)" : : "r"(vaddr) : "memory");
}
