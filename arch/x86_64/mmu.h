#pragma once

// The three MMU instructions vpmap.c needs, behind functions so that the page
// table code itself is plain memory manipulation and runs in host tests.
// Bare machine: arch/x86_64/mmu.c. Host: testing/fake_mmu.cc, which records
// what it is asked to do.

#include "kernel/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

// Loads CR3 with the physical address of a PML4: switches address space and
// drops every non-global TLB entry. Never 0 on the machine (it panics); the
// host's MMU takes 0 for a table that maps nothing.
void mmu_load_root(paddr_t pml4);

// The PML4 CR3 points to now.
paddr_t mmu_active_root(void);

// invlpg: drops the TLB entry of the page containing vaddr.
void mmu_invalidate_page(vaddr_t vaddr);

#ifdef __cplusplus
}
#endif
