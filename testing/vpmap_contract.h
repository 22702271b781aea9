#pragma once

// Checks of arch/vpmap.h's contract on page-table pages, written once and run
// against both backends: the real x86_64 tables (arch/x86_64/vpmap_test.cc)
// and the fake (testing/fake_vpmap_test.cc), so that the fake cannot drift
// from the real one. Both hold the tables x86_64 needs (arch/x86_64/pte.h):
// the root, and one table per 512 GiB (PDPT), 1 GiB (PD) and 2 MiB (PT) span
// that maps a page; every table page is a pmem page.
//
// Each check takes a vpmap that maps nothing, on a pmem with at least 64
// free pages, leaves it mapping nothing again, and reports failures with
// gtest's EXPECT macros.
//
// Criteria checked:
//  1. A vpmap holds its root and exactly the tables its mappings need;
//     vpmap_table_pages counts them, a walk (vpmap_for_each_table) finds as
//     many, and pmem's free count drops by exactly that many.

#include <cstddef>
#include <vector>

#include "gtest/gtest.h"

extern "C" {
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/mm/pmem.h"
}

namespace vpmap_contract {

constexpr vaddr_t kBase = 0x400000;
constexpr vaddr_t kPtSpan = 2ull << 20;
constexpr vaddr_t kPdSpan = 1ull << 30;
constexpr vaddr_t kPdptSpan = 512ull << 30;

// How many table pages a walk of v's tables finds.
inline size_t TablesWalked(struct vpmap *v)
{
    size_t walked = 0;
    vpmap_for_each_table(
        v, [](void *ctx, paddr_t) { ++*static_cast<size_t *>(ctx); }, &walked);
    return walked;
}

// A fresh page (the caller's reference: the mapping takes it over).
inline paddr_t NewPage()
{
    paddr_t page = 0;
    EXPECT_EQ(pmem_alloc(&page), ERR_OK);
    return page;
}

// 1. Pages in one 2 MiB span share a PT; a new 2 MiB span needs a PT, a new
// GiB a PD and a PT, a new 512 GiB a PDPT, a PD and a PT.
inline void TablePagesAreCountedAndComeFromPmem(struct vpmap *v)
{
    ASSERT_EQ(vpmap_table_pages(v), 1u) << "a vpmap that maps nothing holds its root";
    EXPECT_EQ(TablesWalked(v), 1u);
    struct Step {
        vaddr_t va;
        size_t new_tables;
    } steps[] = {
        {kBase, 3},                           // PDPT, PD, PT
        {kBase + PAGE_SIZE, 0},               // the same PT
        {kBase + kPtSpan, 1},                 // a PT
        {kBase + kPdSpan, 2},                 // a PD and a PT
        {kBase + kPdptSpan, 3},               // a PDPT, a PD and a PT
        {VPMAP_USER_TOP - PAGE_SIZE, 3},      // the last PML4 entry of the user half
        {VPMAP_USER_TOP - 2 * PAGE_SIZE, 0},  // the same PT
    };
    size_t tables = 1;
    for (const Step &step : steps) {
        SCOPED_TRACE(testing::Message() << "mapping 0x" << std::hex << step.va);
        size_t free_before = pmem_free_pages();
        ASSERT_EQ(vpmap_map(v, step.va, NewPage(), 1, MEMPERM_URW), ERR_OK);
        tables += step.new_tables;
        EXPECT_EQ(vpmap_table_pages(v), tables);
        EXPECT_EQ(TablesWalked(v), tables);
        EXPECT_EQ(pmem_free_pages(), free_before - 1 - step.new_tables)
            << "the page, and the table pages from pmem";
    }
    for (const Step &step : steps) {
        vpmap_unmap(v, step.va, 1, VPMAP_DEC_REFCNT);
    }
}

}  // namespace vpmap_contract
