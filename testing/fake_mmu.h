#pragma once

// Host stand-in for the x86_64 MMU (arch/x86_64/mmu.h): the three
// instructions vpmap.c uses, and the CPU's user-mode accesses through a TLB.
//
// Both page-table backends run on it: the real x86_64 tables
// (arch/x86_64/vpmap.c, in host tests) and the fake (testing/fake_vpmap.cc).
// It records which root is loaded and which pages were invalidated, so one
// recorder judges the flushes of both (testing/vpmap_contract.h), and it
// plays the CPU for user accesses, so a flush that either backend forgets
// shows up as it would on the machine.
//
// The simulated CPU. A user access looks in the TLB first; on a miss the MMU
// walks the page table whose root is loaded and, if the mapping allows the
// access, caches the translation (frame and permission). An entry stays
// until an invlpg of its page (mmu_invalidate_page) or a root load
// (mmu_load_root, a write to CR3), which drops them all. A fault drops the
// faulting page's entry, as x86 does. So a page-table change that is not
// flushed leaves the CPU on the old translation: a read of the old frame (a
// stale read), a write to the old frame, or a write through a mapping that is
// read-only now.
//
// The walk reads x86_64 tables (arch/x86_64/pte.h) from the loaded root, in
// host memory (arch/kmap.h): present, writable and user must be set at every
// level. A page table of another format (the fake's) installs its own walker.

#include <cstdint>
#include <map>
#include <vector>

extern "C" {
#include "kernel/addr.h"
#include "kernel/mm/memperm.h"
}

// Forgets the loaded root (0: none; nothing is mapped under it), the TLB, all
// recorded invalidations, and the fault injection below.
void fake_mmu_reset();

// Pages invalidated (invlpg) since the last call, in order, each as the
// address of its page; forgets them.
std::vector<vaddr_t> fake_mmu_take_invalidations();

// The same, but only those made while `root` was the loaded root; forgets
// those and keeps the others.
std::vector<vaddr_t> fake_mmu_take_invalidations_in(paddr_t root);

// How many times a root was loaded (each drops the whole user-half TLB).
int fake_mmu_root_loads();

// --- The CPU's user accesses ---------------------------------------------

// A translation: the frame and the permission as the tables grant it.
struct FakeTranslation {
    paddr_t paddr;
    memperm_t perm;
};

struct FakeUserAccess {
    bool fault = false;    // the access faulted: nothing was read or written
    bool present = false;  // for a fault: the page was mapped (a protection
                           // violation) rather than absent, as the error code
                           // says; addresses at or above VPMAP_USER_TOP count
                           // as present (the kernel half is mapped, supervisor-only)
    bool tlb_hit = false;  // the translation came from the TLB
    paddr_t paddr = 0;     // without a fault: the physical address accessed
};

// A user read of the byte at va; without a fault, stores the byte in *value.
FakeUserAccess fake_mmu_user_read(vaddr_t va, uint8_t *value);

// A user write of `value` to the byte at va.
FakeUserAccess fake_mmu_user_write(vaddr_t va, uint8_t value);

// The TLB's entries: virtual page -> the translation cached for it.
const std::map<vaddr_t, FakeTranslation> &fake_mmu_tlb();

// A page-table walk: the translation of the page at `page` under `root`, or
// false if the page is not mapped (or not user-accessible).
using FakePageWalker = bool (*)(paddr_t root, vaddr_t page, FakeTranslation *out);

// Makes `walker` the MMU's walk; nullptr restores the x86_64 one.
void fake_mmu_set_walker(FakePageWalker walker);

// Fault injection, for tests of bug finders: while set, invlpg does nothing
// (neither drops the entry nor is recorded), as if the page-table code had
// left out every single-page flush. Root loads still flush everything.
void fake_mmu_ignore_invalidations(bool ignore);
