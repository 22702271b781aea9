#pragma once

// Host stand-in for the x86_64 MMU (arch/x86_64/mmu.h): the instructions
// vpmap.c and tlb.c use, and the CPUs' user-mode accesses through their TLBs.
//
// Both page-table backends run on it: the real x86_64 tables
// (arch/x86_64/vpmap.c, in host tests) and the fake (testing/fake_vpmap.cc).
// It records which root is loaded and which pages were invalidated, so one
// recorder judges the flushes of both (testing/vpmap_contract.h), and it
// plays the CPU for user accesses, so a flush that either backend forgets
// shows up as it would on the machine.
//
// The simulated CPUs: as many as testing/fake_cpus.h says, each with its
// own loaded root and TLB; every call here acts on the current CPU's
// (cpus_current()), as the instruction would on the CPU that runs it. A user
// access looks in the TLB first; on a miss the MMU walks the page table
// whose root is loaded and, if the mapping allows the access, caches the
// translation (frame and permission). An entry stays until an invlpg of its
// page on that CPU (mmu_invalidate_page) or a root load there
// (mmu_load_root, a write to CR3), which drops them all. A fault drops the
// faulting page's entry, as x86 does. So a page-table change that a CPU
// does not flush leaves that CPU on the old translation: a read of the old
// frame (a stale read), a write to the old frame, or a write through a
// mapping that is read-only now. A change flushed on the CPU that made it
// but not on another that has the table loaded (a missing TLB shootdown)
// shows on that other CPU's next access. mmu_cpus_with_root answers from
// each CPU's loaded root.
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

// Forgets every CPU's loaded root (0: none; nothing is mapped under it) and
// TLB, all recorded invalidations, and the fault injection below; back to
// one CPU, number 0, running (fake_cpus_reset).
void fake_mmu_reset();

// Pages invalidated (invlpg) since the last call, on any CPU, in order, each
// as the address of its page; forgets them.
std::vector<vaddr_t> fake_mmu_take_invalidations();

// The same, but only those made while `root` was the loaded root; forgets
// those and keeps the others.
std::vector<vaddr_t> fake_mmu_take_invalidations_in(paddr_t root);

// How many times a root was loaded, on any CPU (each drops that CPU's whole
// user-half TLB).
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

// A user read of the byte at va, by the current CPU; without a fault, stores
// the byte in *value.
FakeUserAccess fake_mmu_user_read(vaddr_t va, uint8_t *value);

// A user write of `value` to the byte at va, by the current CPU.
FakeUserAccess fake_mmu_user_write(vaddr_t va, uint8_t value);

// The current CPU's TLB: virtual page -> the translation cached for it.
const std::map<vaddr_t, FakeTranslation> &fake_mmu_tlb();

// CPU `cpu`'s TLB, and the root it has loaded (0: none).
const std::map<vaddr_t, FakeTranslation> &fake_mmu_tlb_of(unsigned cpu);
paddr_t fake_mmu_root_of(unsigned cpu);

// A page-table walk: the translation of the page at `page` under `root`, or
// false if the page is not mapped (or not user-accessible).
using FakePageWalker = bool (*)(paddr_t root, vaddr_t page, FakeTranslation *out);

// Makes `walker` the MMU's walk; nullptr restores the x86_64 one.
void fake_mmu_set_walker(FakePageWalker walker);

// Fault injection, for tests of bug finders: while set, invlpg does nothing
// on any CPU (neither drops the entry nor is recorded), as if the page-table
// code had left out every single-page flush. Root loads still flush
// everything. (A shootdown that reaches only the CPU making it:
// fake_cpus_lose_calls.)
void fake_mmu_ignore_invalidations(bool ignore);
