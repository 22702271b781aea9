#pragma once

// A host stand-in for the page tables (arch/vpmap.h), for tests of the code
// above them: the fault handler, address spaces, fork.
//
// Each fake vpmap is a map from virtual page to (physical page, permission).
// It follows the interface's contract exactly, reference counts included
// (pmem_inc_refcnt / pmem_dec_refcnt on the real pmem over the test arena),
// and records what it was asked to do, so a test can assert exactly what the
// kernel mapped, unmapped, made read-only, and which TLB entries it flushed.
// It can also be told to run out of memory, as a real page table does when
// pmem has no page for a new table.

#include <cstddef>
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
    int maps = 0;          // pages mapped (vpmap_map and vpmap_cow_copy's destination)
    int unmaps = 0;        // pages unmapped
    int perm_changes = 0;  // pages whose permission changed
};

// Every mapping of v, by virtual page.
const std::map<vaddr_t, FakeMapping> &fake_vpmap_mappings(struct vpmap *v);

// The mapping of the page containing va, or nullptr.
const FakeMapping *fake_vpmap_find(struct vpmap *v, vaddr_t va);

FakeVpmapCounters fake_vpmap_counters(struct vpmap *v);

// Pages whose TLB entry v was asked to flush since the last call, in order.
std::vector<vaddr_t> fake_vpmap_take_flushes(struct vpmap *v);

// Simulates running out of page-table pages: after `allowed` more
// operations that could need one (each vpmap_create, each vpmap_map call,
// each page vpmap_cow_copy maps), every further one fails with ERR_NOMEM,
// with the interface's undo. Negative: never fail (the default).
void fake_vpmap_fail_after(int allowed);

// Live fake vpmaps (for leak checks).
int fake_vpmap_live_count();
