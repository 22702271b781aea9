#pragma once

// A host stand-in for the page tables (arch/vpmap.h), for tests of the code
// above them: the fault handler, address spaces, fork.
//
// Each fake vpmap is a map from virtual page to (physical page, permission).
// It follows the interface's contract exactly, reference counts included
// (pmem_inc_refcnt / pmem_dec_refcnt on the real pmem over the test arena),
// and records what it was asked to do, so a test can assert exactly what the
// kernel mapped, unmapped, made read-only, and which TLB entries it flushed
// (through testing/fake_mmu, like the real tables). Permissions are held and
// reported as x86_64 reports them: readable always (kernel/mm/memperm.h).
// Its page-table pages are real pmem pages, as many as the real x86_64
// tables would hold for the same mappings (a root, and a table per 512 GiB,
// 1 GiB and 2 MiB span that maps a page), so that tables cost memory and are
// counted (vpmap_table_pages) exactly as on the machine. It runs out of
// memory when pmem does, and can also be told to (fake_vpmap_fail_after).
// And it simulates the CPU's user accesses through a TLB (below), so that a
// missing TLB flush shows up in tests.

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

extern "C" {
#include "arch/vpmap.h"
}

struct FakeMapping {
    paddr_t paddr;
    memperm_t perm;
};

struct FakeVpmapCounters {
    int maps = 0;          // pages mapped (vpmap_map, vpmap_cow_copy's destination,
                           // vpmap_replace's new page)
    int unmaps = 0;        // pages unmapped (vpmap_unmap, vpmap_replace's old page)
    int perm_changes = 0;  // pages whose permission changed
};

// Every mapping of v, by virtual page.
const std::map<vaddr_t, FakeMapping> &fake_vpmap_mappings(struct vpmap *v);

// The mapping of the page containing va, or nullptr.
const FakeMapping *fake_vpmap_find(struct vpmap *v, vaddr_t va);

FakeVpmapCounters fake_vpmap_counters(struct vpmap *v);

// Pages whose TLB entry was flushed while v was the active vpmap, since the
// last call, in order. Flushes go where the real tables send theirs, to the
// MMU (testing/fake_mmu.h: this is its record for v's root), and only v's
// active time has any: an inactive vpmap has nothing cached, and flushing it
// does nothing (arch/vpmap.h).
std::vector<vaddr_t> fake_vpmap_take_flushes(struct vpmap *v);

// Simulates running out of page-table pages: after `allowed` more
// operations that could need one (each vpmap_create, each vpmap_map call,
// each page vpmap_cow_copy maps), every further one fails with ERR_NOMEM,
// with the interface's undo. Negative: never fail (the default).
void fake_vpmap_fail_after(int allowed);

// Live fake vpmaps (for leak checks).
int fake_vpmap_live_count();

// How many table pages a mapping of the page containing va would allocate
// now: 0 to 3. (The vm fuzzer's model of when running out of memory is fair.)
size_t fake_vpmap_tables_missing(struct vpmap *v, vaddr_t va);

// Fault injection for tests of the checker: adds `delta` to v's count of
// table pages (vpmap_table_pages) and changes nothing else, as a page table
// that lost count would. A walk (vpmap_for_each_table) still finds the
// tables v really holds.
void fake_vpmap_miscount_tables(struct vpmap *v, long delta);

// --- The simulated CPU: user accesses through a TLB --------------------
//
// The fake also plays the CPU's MMU for user-mode accesses, with a TLB. The
// CPU runs in the active vpmap: the kernel's at first, then whichever
// vpmap_load made active. A user access looks in the TLB first; on a miss it
// walks the active vpmap's mappings and, if the mapping allows the access,
// caches that translation (frame and permission). An entry stays until
// vpmap_flush_tlb of its page while its vpmap is active, or until any
// vpmap_load, which (like a write to CR3) drops them all. A fault drops the
// faulting page's entry, as x86 does.
//
// So a page-table change that is not flushed leaves the CPU on the old
// translation, as on the machine: a read of the old frame (a stale read), a
// write to the old frame, or a write through a mapping that is read-only
// now. The vm fuzzer (testing/vm_fuzz.h) does every user access through here.

struct FakeUserAccess {
    bool fault = false;    // the access faulted: nothing was read or written
    bool present = false;  // for a fault: the page was mapped (a protection
                           // violation) rather than absent, as the error code
                           // says; addresses at or above VPMAP_USER_TOP count
                           // as present (the kernel half is mapped, supervisor-only)
    bool tlb_hit = false;  // the translation came from the TLB
    paddr_t paddr = 0;     // without a fault: the physical address accessed
};

// A user read of the byte at va in the active vpmap; without a fault, stores
// the byte in *value.
FakeUserAccess fake_user_read(vaddr_t va, uint8_t *value);

// A user write of `value` to the byte at va in the active vpmap.
FakeUserAccess fake_user_write(vaddr_t va, uint8_t value);

// The active vpmap (the kernel's until a vpmap_load).
struct vpmap *fake_vpmap_active();

// The TLB's entries: virtual page -> the translation cached for it.
const std::map<vaddr_t, FakeMapping> &fake_tlb_entries();

// Fault injection for tests of the TLB model and of bug finders: while
// suppressed, the fake's own operations (unmap, replace, set_perm, cow_copy) skip
// their TLB flushes, as a buggy page table would; direct calls of
// vpmap_flush_tlb still flush. Off by default.
void fake_vpmap_suppress_flushes(bool suppress);
