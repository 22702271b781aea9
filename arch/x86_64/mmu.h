#pragma once

// The MMU instructions vpmap.c and tlb.c need, behind functions so that the
// page-table code itself is plain memory manipulation and runs in host
// tests, and the record of which page table each CPU has loaded, which TLB
// shootdowns (tlb.h) go by.
// Bare machine: arch/x86_64/mmu.c. Host: testing/fake_mmu.cc, which records
// what it is asked to do and plays several CPUs, each with its own TLB.

#include "arch/cpus.h"
#include "kernel/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

// Loads CR3 on this CPU with the physical address of a PML4: switches
// address space and drops every non-global TLB entry. Records pml4 as this
// CPU's page table first (mmu_cpus_with_root), so it needs this CPU's
// per-CPU state (arch/x86_64/percpu.h). Any context, interrupts on or off.
// Never 0 on the machine (it panics); the host's MMU takes 0 for a table
// that maps nothing.
void mmu_load_root(paddr_t pml4);

// The same load for boot code that runs before this CPU has its per-CPU
// state (kernel_map.c): records nothing. The kernel's own table, loaded so,
// has an empty user half that never changes, so no shootdown ever needs it.
void mmu_boot_load_root(paddr_t pml4);

// The PML4 CR3 points to now, on this CPU.
paddr_t mmu_active_root(void);

// invlpg: drops this CPU's TLB entry of the page containing vaddr (and, as
// x86 does, the paging-structure caches' entries).
void mmu_invalidate_page(vaddr_t vaddr);

// Drops every TLB entry of this CPU, global ones included (toggling
// CR4.PGE; SDM vol. 3A, 4.10.4.1).
void mmu_flush_global(void);

// The CPUs whose last mmu_load_root loaded pml4: those that may hold
// translations under it. A shootdown calls it after changing pml4's
// tables: every CPU left out of the answer then sees those changes (mmu.c
// says why). The answer may include a CPU that is switching away; that is
// harmless.
cpus_mask_t mmu_cpus_with_root(paddr_t pml4);

#ifdef __cplusplus
}
#endif
