#pragma once

// Checks of arch/vpmap.h's contract on page-table pages, written once and run
// against both backends: the real x86_64 tables (arch/x86_64/vpmap_test.cc)
// and the fake (testing/fake_vpmap_test.cc), so that the fake cannot drift
// from the real one. Both hold the tables x86_64 needs (arch/x86_64/pte.h):
// the root, and one table per 512 GiB (PDPT), 1 GiB (PD) and 2 MiB (PT) span
// that maps a page; every table page is a pmem page.
//
// Each check takes a vpmap that maps nothing (two for vpmap_cow_copy), on a
// pmem with at least 64 free pages, leaves it mapping nothing again, and
// reports failures with gtest's EXPECT macros. The vpmap must not be the
// active one on the real backend (so that no TLB flush is involved).
//
// Criteria checked:
//  1. A vpmap holds its root and exactly the tables its mappings need;
//     vpmap_table_pages counts them, a walk (vpmap_for_each_table) finds as
//     many, and pmem's free count drops by exactly that many.
//  2. Unmapping the last page under a table frees that table, and each
//     table above it that it leaves empty, but never the root; a table that
//     still maps something stays.
//  3. Mapping widely spread pages and unmapping them again (in one call)
//     brings the count and pmem's free pages back exactly.
//  4. vpmap_map out of memory, on its first page or part way, leaves no
//     table behind: the count and pmem's free pages are as before.
//  5. vpmap_cow_copy out of memory part way leaves no table behind in the
//     destination either.
//  6. vpmap_replace swaps the page in place: the new page and permission
//     translate, the old page loses its reference, and the tables stay (so
//     it needs no memory, even for a page alone in its table).

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

// Takes every free page but `left`; returns what it took (for FreeAll).
inline std::vector<paddr_t> ExhaustBut(size_t left)
{
    std::vector<paddr_t> taken;
    paddr_t page;
    while (pmem_free_pages() > left && pmem_alloc(&page) == ERR_OK) {
        taken.push_back(page);
    }
    return taken;
}

inline void FreeAll(const std::vector<paddr_t> &pages)
{
    for (paddr_t page : pages) {
        pmem_free(page);
    }
}

// 2.
inline void UnmappingTheLastPageUnderATableFreesIt(struct vpmap *v)
{
    const vaddr_t a = kBase;
    const vaddr_t b = kBase + PAGE_SIZE;  // a's PT
    const vaddr_t c = kBase + kPtSpan;    // a PT of its own, a's PD
    const vaddr_t d = kBase + kPdptSpan;  // a PDPT, a PD and a PT of its own
    for (vaddr_t va : {a, b, c, d}) {
        ASSERT_EQ(vpmap_map(v, va, NewPage(), 1, MEMPERM_URW), ERR_OK);
    }
    ASSERT_EQ(vpmap_table_pages(v), 1u + 3 + 1 + 3);

    size_t free_before = pmem_free_pages();
    vpmap_unmap(v, a, 1, VPMAP_DEC_REFCNT);
    EXPECT_EQ(vpmap_table_pages(v), 8u) << "a's PT still maps b";
    EXPECT_EQ(pmem_free_pages(), free_before + 1) << "a's page only";

    free_before = pmem_free_pages();
    vpmap_unmap(v, b, 1, VPMAP_DEC_REFCNT);
    EXPECT_EQ(vpmap_table_pages(v), 7u) << "the PT is empty now; its PD still holds c's PT";
    EXPECT_EQ(pmem_free_pages(), free_before + 1 + 1) << "b's page and its PT";
    EXPECT_EQ(TablesWalked(v), 7u);

    free_before = pmem_free_pages();
    vpmap_unmap(v, d, 1, VPMAP_DEC_REFCNT);
    EXPECT_EQ(vpmap_table_pages(v), 4u) << "d's PT, PD and PDPT all emptied";
    EXPECT_EQ(pmem_free_pages(), free_before + 1 + 3);

    free_before = pmem_free_pages();
    vpmap_unmap(v, c, 1, VPMAP_DEC_REFCNT);
    EXPECT_EQ(vpmap_table_pages(v), 1u) << "only the root is left";
    EXPECT_EQ(TablesWalked(v), 1u);
    EXPECT_EQ(pmem_free_pages(), free_before + 1 + 3);

    // The root still works.
    ASSERT_EQ(vpmap_map(v, a, NewPage(), 1, MEMPERM_URW), ERR_OK);
    EXPECT_EQ(vpmap_table_pages(v), 4u);
    vpmap_unmap(v, a, 1, VPMAP_DEC_REFCNT);
    EXPECT_EQ(vpmap_table_pages(v), 1u);
}

// 3. One page per 2 MiB, across GiB and 512 GiB boundaries.
inline void WidelySpreadPagesGiveTheirTablesBack(struct vpmap *v)
{
    const vaddr_t start = kPdptSpan - 10 * kPtSpan;  // 512 GiB - 20 MiB
    const size_t pages = 20;
    size_t free_before = pmem_free_pages();
    size_t tables_before = vpmap_table_pages(v);
    for (size_t i = 0; i < pages; i++) {
        ASSERT_EQ(vpmap_map(v, start + i * kPtSpan, NewPage(), 1, MEMPERM_URW), ERR_OK);
    }
    // A PT per page; a PD and a PDPT on each side of the 512 GiB boundary.
    EXPECT_EQ(vpmap_table_pages(v), tables_before + pages + 2 + 2);
    EXPECT_EQ(pmem_free_pages(), free_before - pages - (pages + 2 + 2));

    EXPECT_EQ(vpmap_unmap(v, start, pages * kPtSpan / PAGE_SIZE, VPMAP_DEC_REFCNT), pages);
    EXPECT_EQ(vpmap_table_pages(v), tables_before);
    EXPECT_EQ(TablesWalked(v), tables_before);
    EXPECT_EQ(pmem_free_pages(), free_before) << "every page and every table page is back";
}

// 4.
inline void MapOutOfMemoryLeavesNoTableBehind(struct vpmap *v)
{
    paddr_t page = NewPage();

    // The first page's own tables: a PDPT and a PD can be had, its PT not.
    std::vector<paddr_t> hoard = ExhaustBut(2);
    ASSERT_EQ(pmem_free_pages(), 2u);
    EXPECT_EQ(vpmap_map(v, kBase, page, 1, MEMPERM_URW), ERR_NOMEM);
    EXPECT_EQ(vpmap_table_pages(v), 1u);
    EXPECT_EQ(TablesWalked(v), 1u);
    EXPECT_EQ(pmem_free_pages(), 2u) << "the PDPT and the PD went back";
    FreeAll(hoard);

    // Part way: the first page gets its PDPT, PD and PT, the second (the
    // next 2 MiB) cannot get its PT; the first is unmapped again. (The
    // second frame, page + PAGE_SIZE, is not ours, but it is never mapped,
    // and vpmap_map touches no refcount.)
    const vaddr_t va = kBase + kPtSpan - PAGE_SIZE;
    hoard = ExhaustBut(3);
    ASSERT_EQ(pmem_free_pages(), 3u);
    err_t err = vpmap_map(v, va, page, 2, MEMPERM_URW);
    EXPECT_EQ(err, ERR_NOMEM);
    if (err == ERR_OK) {
        vpmap_unmap(v, va, 2, VPMAP_KEEP_REFCNT);
    }
    paddr_t found;
    EXPECT_EQ(vpmap_lookup_vaddr(v, va, &found, nullptr), ERR_FAULT);
    EXPECT_EQ(vpmap_table_pages(v), 1u);
    EXPECT_EQ(TablesWalked(v), 1u);
    EXPECT_EQ(pmem_free_pages(), 3u) << "all three tables went back";
    FreeAll(hoard);

    pmem_free(page);
}

// 5. `src` maps two pages a GiB apart; `dst` (empty) has memory for the
// first page's tables only.
inline void CowCopyOutOfMemoryLeavesNoTableBehind(struct vpmap *src, struct vpmap *dst)
{
    paddr_t a = NewPage();
    paddr_t b = NewPage();
    ASSERT_EQ(vpmap_map(src, kBase, a, 1, MEMPERM_URW), ERR_OK);
    ASSERT_EQ(vpmap_map(src, kBase + kPdSpan, b, 1, MEMPERM_URW), ERR_OK);
    size_t src_tables = vpmap_table_pages(src);

    std::vector<paddr_t> hoard = ExhaustBut(3);
    ASSERT_EQ(pmem_free_pages(), 3u);
    EXPECT_EQ(vpmap_cow_copy(dst, src, kBase, kPdSpan / PAGE_SIZE + 1, MEMPERM_UR), ERR_NOMEM);
    EXPECT_EQ(vpmap_table_pages(dst), 1u);
    EXPECT_EQ(TablesWalked(dst), 1u);
    EXPECT_EQ(pmem_free_pages(), 3u) << "the destination's tables went back";
    EXPECT_EQ(paddr_to_page(a)->refcount, 1);
    EXPECT_EQ(vpmap_table_pages(src), src_tables) << "the source keeps its tables";
    FreeAll(hoard);

    vpmap_unmap(src, kBase, 1, VPMAP_DEC_REFCNT);
    vpmap_unmap(src, kBase + kPdSpan, 1, VPMAP_DEC_REFCNT);
}

// 6.
inline void ReplaceSwapsThePageInPlace(struct vpmap *v)
{
    paddr_t old_page = NewPage();
    paddr_t new_page = NewPage();
    ASSERT_EQ(vpmap_map(v, kBase, old_page, 1, MEMPERM_UR), ERR_OK);
    pmem_inc_refcnt(old_page);  // a second sharer, as after fork
    const size_t tables = vpmap_table_pages(v);

    std::vector<paddr_t> hoard = ExhaustBut(0);
    vpmap_replace(v, kBase, new_page, MEMPERM_URW);
    FreeAll(hoard);

    paddr_t found;
    memperm_t perm;
    ASSERT_EQ(vpmap_lookup_vaddr(v, kBase + 8, &found, &perm), ERR_OK);
    EXPECT_EQ(found, new_page + 8);
    EXPECT_EQ(perm, MEMPERM_URW);
    EXPECT_EQ(paddr_to_page(old_page)->refcount, 1) << "the mapping's reference is dropped";
    EXPECT_EQ(paddr_to_page(new_page)->refcount, 1) << "the caller's reference is handed over";
    EXPECT_EQ(vpmap_table_pages(v), tables);

    vpmap_unmap(v, kBase, 1, VPMAP_DEC_REFCNT);
    pmem_dec_refcnt(old_page);
}

}  // namespace vpmap_contract
