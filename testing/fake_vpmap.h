#pragma once

// A host stand-in for the page tables (arch/vpmap.h), for tests of the code
// above them: the fault handler, address spaces, fork. A student's fault
// handler is judged on it against a page table known to be right, so that a
// bug in their own x86_64 tables does not pass for a fault-handler bug; the
// same tests also run on the real tables (testing/BUILD.bazel,
// vpmap_backend).
//
// Each fake vpmap is a map from virtual page to (physical page, permission).
// It keeps the interface's contract exactly (testing/vpmap_contract.h checks
// it against the same suite as the real tables), so it changes no reference
// count either. Permissions are held and reported as x86_64 reports them: readable
// always (kernel/mm/memperm.h). Its page-table pages are real pmem pages, as
// many as the real x86_64 tables would hold for the same mappings (a root,
// and a table per 512 GiB, 1 GiB and 2 MiB span that maps a page), so that
// tables cost memory, run out of it and are counted (vpmap_table_pages)
// exactly as on the machine. Its flushes go through the real shootdowns
// (arch/x86_64/tlb.h) to the simulated CPUs and MMU (testing/fake_cpus.h,
// testing/fake_mmu.h), which walks the fake's maps for user accesses.

extern "C" {
#include "arch/vpmap.h"
}

// Fault injection for tests of the checker: adds `delta` to v's count of
// table pages (vpmap_table_pages) and changes nothing else, as a page table
// that lost count would. A walk (vpmap_for_each_table) still finds the
// tables v really holds.
void fake_vpmap_miscount_tables(struct vpmap *v, long delta);
