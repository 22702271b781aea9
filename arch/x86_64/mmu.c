// The MMU instructions, and which root each CPU has loaded (mmu.h).
//
// Why a shootdown cannot miss a CPU that still uses an old entry. Take a
// CPU F that changes an entry of root R's tables (a store, S) and then asks
// which CPUs have R loaded (mmu_cpus_with_root), and a CPU C that switches
// to R (mmu_load_root): it records R in loaded[C] (store L), then loads CR3,
// after which its page walks read R's entries. This is Dekker's pattern:
//
//     F: store S (the entry);   fence;  load loaded[C]
//     C: store L (loaded[C]);   fence;  walk: load the entry
//
// x86 keeps every order but one: a load may complete before an earlier
// store of the same CPU leaves its store buffer. Without the fences, F could
// read loaded[C] before L was visible and C could walk before S was
// visible: F would skip C, and C would cache the old entry. With a full
// fence between each CPU's store and load, one of the two loads must come
// after the other CPU's store in the single order of all stores and fences:
// either F reads R in loaded[C] (and flushes C), or C's walk reads the new
// entry (and needs no flush). F's fence is mfence (mmu_cpus_with_root); C's
// is the record's xchg, and the CR3 load, which serializes, too.
//
// A CPU switching away from R records its new root first: F may then leave
// it out while its TLB still holds R's entries, but that CPU only finishes
// the switch, interrupts off, before the CR3 load drops them all, and no
// user memory is read in between.

#include "arch/x86_64/mmu.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/interrupts.h"
#include "arch/x86_64/percpu.h"
#include "kernel/panic.h"

// CR3 holds flags in its low 12 bits (PWT, PCD; PCID when enabled).
#define CR3_ADDRESS_MASK 0x000FFFFFFFFFF000ull

// Each CPU's last root, on a cache line of its own: written by that CPU at
// every switch, read by any CPU that flushes. 0: none recorded yet.
struct loaded_root {
    paddr_t root;  // atomic
} __attribute__((aligned(64)));

static struct loaded_root loaded[CPUS_MAX];

static void write_cr3(paddr_t pml4)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(pml4) : "memory");
}

void mmu_load_root(paddr_t pml4)
{
    kassert(pml4 != 0);  // the kernel's page table before boot has set it up
    // The record and the load on one CPU: no preemption in between.
    bool was_enabled = intr_enabled();
    if (was_enabled) {
        intr_disable();
    }
    __atomic_store_n(&loaded[this_cpu()->id].root, pml4, __ATOMIC_SEQ_CST);  // xchg
    write_cr3(pml4);
    if (was_enabled) {
        intr_enable();
    }
}

void mmu_boot_load_root(paddr_t pml4)
{
    kassert(pml4 != 0);
    write_cr3(pml4);
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

void mmu_flush_global(void)
{
    const uint64_t pge = 1ull << 7;
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 & ~pge) : "memory");
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
}

cpus_mask_t mmu_cpus_with_root(paddr_t pml4)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);  // mfence: the caller's table stores first
    cpus_mask_t cpus = 0;
    for (unsigned i = 0; i < cpu_count(); i++) {
        if (__atomic_load_n(&loaded[i].root, __ATOMIC_RELAXED) == pml4) {
            cpus |= cpus_mask_of(i);
        }
    }
    return cpus;
}
