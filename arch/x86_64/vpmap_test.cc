// Host tests for the real x86_64 page-table code (arch/x86_64/vpmap.c),
// running on a host "physical memory" arena managed by pmem, with the MMU
// instructions recorded by testing/fake_mmu.
//
// Criteria checked:
//  1. Mappings translate: lookup returns the frame (plus page offset) and the
//     permission; unmapped addresses and the kernel half are ERR_FAULT.
//  2. PTE bits are exactly as specified for each permission (P, W, U, NX),
//     and intermediate tables allow everything (the leaf decides).
//  3. Ranges that cross PT, PD and PDPT boundaries map and unmap correctly.
//  4. unmap skips holes, drops references only when asked, and flushes the
//     TLB for each page it removes, but only in the active address space.
//  5. set_perm rewrites only pages whose permission changes, and flushes them;
//     replace swaps a mapped page in place and flushes it.
//  6. cow_copy shares frames (refcount + 1), sets both sides' permission, and
//     undoes itself completely when out of memory.
//  7. Out of memory in map or create leaves nothing mapped and nothing leaked
//     (no table page either: see 11).
//  8. destroy frees every table page and drops every remaining reference:
//     free pages return to the baseline (checked by the fixture).
//  9. Kernel bugs panic: remapping a mapped page, unaligned or kernel-half
//     ranges, destroying the active address space.
// 10. for_each_mapping visits exactly the mapped pages, in ascending order,
//     with frame and permission, across every table level up to the top of
//     the user half.
// 11. The contract on page-table pages (testing/vpmap_contract.h), which the
//     fake's tests check too: counted, freed when they empty (never the
//     root), none left behind by a failed map or cow_copy.
// 12. A freed table is unlinked from the table above it, and flushed from
//     the CPU's caches when its address space is the active one.

#include <vector>

#include "testing/fake_mmu.h"
#include "testing/pmem_fixture.h"
#include "testing/vpmap_contract.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "arch/x86_64/pte.h"
#include "kernel/mm/pmem.h"
}

namespace {

constexpr vaddr_t kUserBase = 0x400000;

class VpmapTest : public PmemTest {
  protected:
    void SetUp() override
    {
        PmemTest::SetUp();
        fake_mmu_reset();
        ASSERT_EQ(vpmap_create(&vpmap_), ERR_OK);
    }

    void TearDown() override
    {
        if (vpmap_ != nullptr) {
            fake_mmu_reset();  // destroying the active vpmap is a bug
            vpmap_destroy(vpmap_);
        }
        PmemTest::TearDown();
    }

    paddr_t AllocPage()
    {
        paddr_t p;
        EXPECT_EQ(pmem_alloc(&p), ERR_OK);
        return p;
    }

    // The root table (vpmap_for_each_table visits it first).
    static uint64_t *Root(struct vpmap *v)
    {
        paddr_t root = 0;
        vpmap_for_each_table(
            v,
            [](void *ctx, paddr_t table) {
                paddr_t *first = static_cast<paddr_t *>(ctx);
                if (*first == 0) {
                    *first = table;
                }
            },
            &root);
        return static_cast<uint64_t *>(kmap_p2v(root));
    }

    // The leaf entry for vaddr, read straight from the tables; 0 if absent.
    uint64_t RawPte(vaddr_t vaddr, int level = 1)
    {
        uint64_t *table = Root(vpmap_);
        for (int l = 4; l > level; l--) {
            uint64_t entry = table[pt_index(vaddr, l)];
            if (!(entry & PTE_PRESENT)) {
                return 0;
            }
            table = static_cast<uint64_t *>(kmap_p2v(pte_address(entry)));
        }
        return table[pt_index(vaddr, level)];
    }

    // Takes every free page, so the next allocation fails.
    void ExhaustMemory()
    {
        paddr_t p;
        while (pmem_alloc(&p) == ERR_OK) {
            hoard_.push_back(p);
        }
    }

    void ReleaseHoard()
    {
        for (paddr_t p : hoard_) {
            pmem_free(p);
        }
        hoard_.clear();
    }

    struct vpmap *vpmap_ = nullptr;
    std::vector<paddr_t> hoard_;
};

TEST_F(VpmapTest, MappedPageTranslatesWithOffsetAndPermission)
{
    paddr_t page = AllocPage();
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, page, 1, MEMPERM_URW), ERR_OK);

    paddr_t found;
    memperm_t perm;
    ASSERT_EQ(vpmap_lookup_vaddr(vpmap_, kUserBase + 0x123, &found, &perm), ERR_OK);
    EXPECT_EQ(found, page + 0x123);
    EXPECT_EQ(perm, MEMPERM_URW);
    EXPECT_EQ(paddr_to_page(page)->refcount, 1) << "map must not change refcounts";
}

TEST_F(VpmapTest, UnmappedAndKernelAddressesAreFaults)
{
    paddr_t found;
    EXPECT_EQ(vpmap_lookup_vaddr(vpmap_, kUserBase, &found, nullptr), ERR_FAULT);
    EXPECT_EQ(vpmap_lookup_vaddr(vpmap_, 0xffff800000000000ull, &found, nullptr), ERR_FAULT);
    EXPECT_EQ(vpmap_lookup_vaddr(vpmap_, VPMAP_USER_TOP, &found, nullptr), ERR_FAULT);
}

TEST_F(VpmapTest, PteBitsMatchEachPermission)
{
    struct Case {
        memperm_t perm;
        uint64_t bits;
    } cases[] = {
        {MEMPERM_URW, PTE_PRESENT | PTE_USER | PTE_WRITABLE | PTE_NX},
        {MEMPERM_UR, PTE_PRESENT | PTE_USER | PTE_NX},
        {MEMPERM_URX, PTE_PRESENT | PTE_USER},
    };
    vaddr_t va = kUserBase;
    for (const Case &c : cases) {
        paddr_t page = AllocPage();
        ASSERT_EQ(vpmap_map(vpmap_, va, page, 1, c.perm), ERR_OK);
        EXPECT_EQ(RawPte(va), page | c.bits) << "perm " << c.perm;
        va += PAGE_SIZE;
    }
    // The tables above the leaf allow everything.
    for (int level = 2; level <= 4; level++) {
        uint64_t entry = RawPte(kUserBase, level);
        EXPECT_EQ(entry & ~PTE_ADDRESS_MASK, PTE_PRESENT | PTE_WRITABLE | PTE_USER)
            << "level " << level;
    }
}

TEST_F(VpmapTest, RangesCrossingTableBoundariesMapEveryPage)
{
    // Two pages before and two after a 512 GiB boundary (new PDPT, PD and PT).
    const vaddr_t boundary = 512ull << 30;
    const vaddr_t start = boundary - 2 * PAGE_SIZE;
    std::vector<paddr_t> pages;
    for (int i = 0; i < 4; i++) {
        pages.push_back(AllocPage());
    }
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(vpmap_map(vpmap_, start + i * PAGE_SIZE, pages[i], 1, MEMPERM_URW), ERR_OK);
    }
    for (int i = 0; i < 4; i++) {
        paddr_t found;
        ASSERT_EQ(vpmap_lookup_vaddr(vpmap_, start + i * PAGE_SIZE, &found, nullptr), ERR_OK);
        EXPECT_EQ(found, pages[i]);
    }
    EXPECT_NE(RawPte(start, 4), RawPte(boundary, 4)) << "the two halves need two PDPTs";

    vpmap_unmap(vpmap_, start, 4, VPMAP_DEC_REFCNT);
    for (int i = 0; i < 4; i++) {
        paddr_t found;
        EXPECT_EQ(vpmap_lookup_vaddr(vpmap_, start + i * PAGE_SIZE, &found, nullptr), ERR_FAULT);
    }
}

TEST_F(VpmapTest, ContiguousMapOfManyPagesSpansTwoPageTables)
{
    const vaddr_t start = (2ull << 20) - 3 * PAGE_SIZE;  // crosses a 2 MiB boundary
    std::vector<paddr_t> frames;
    for (int i = 0; i < 6; i++) {
        frames.push_back(AllocPage());
    }
    for (int i = 0; i < 6; i++) {
        ASSERT_EQ(vpmap_map(vpmap_, start + i * PAGE_SIZE, frames[i], 1, MEMPERM_UR), ERR_OK);
    }
    EXPECT_NE(RawPte(start, 2), RawPte(start + 5 * PAGE_SIZE, 2));
}

TEST_F(VpmapTest, UnmapSkipsHolesAndDropsReferencesWhenAsked)
{
    paddr_t kept = AllocPage();
    paddr_t dropped = AllocPage();
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, kept, 1, MEMPERM_URW), ERR_OK);
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase + 5 * PAGE_SIZE, dropped, 1, MEMPERM_URW), ERR_OK);
    pmem_inc_refcnt(dropped);  // a second owner, to observe the drop

    vpmap_unmap(vpmap_, kUserBase, 1, VPMAP_KEEP_REFCNT);
    EXPECT_EQ(paddr_to_page(kept)->refcount, 1);
    vpmap_unmap(vpmap_, kUserBase + PAGE_SIZE, 10, VPMAP_DEC_REFCNT);
    EXPECT_EQ(paddr_to_page(dropped)->refcount, 1);

    pmem_free(kept);
    pmem_free(dropped);
}

TEST_F(VpmapTest, UnmapFlushesOnlyTheActiveAddressSpace)
{
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase + 2 * PAGE_SIZE, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase + 4 * PAGE_SIZE, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    // Keeps the page table in use, so that only the pages' flushes are seen.
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase + 6 * PAGE_SIZE, AllocPage(), 1, MEMPERM_URW), ERR_OK);

    vpmap_unmap(vpmap_, kUserBase + 4 * PAGE_SIZE, 1, VPMAP_DEC_REFCNT);
    EXPECT_TRUE(fake_mmu_take_invalidations().empty()) << "inactive: nothing cached";

    vpmap_load(vpmap_);
    vpmap_unmap(vpmap_, kUserBase, 4, VPMAP_DEC_REFCNT);
    EXPECT_EQ(fake_mmu_take_invalidations(),
              (std::vector<vaddr_t>{kUserBase, kUserBase + 2 * PAGE_SIZE}));
}

TEST_F(VpmapTest, SetPermChangesAndFlushesOnlyPagesThatChange)
{
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase + PAGE_SIZE, AllocPage(), 1, MEMPERM_UR), ERR_OK);
    vpmap_load(vpmap_);

    vpmap_set_perm(vpmap_, kUserBase, 3, MEMPERM_UR);
    EXPECT_EQ(fake_mmu_take_invalidations(), (std::vector<vaddr_t>{kUserBase}));
    paddr_t found;
    memperm_t perm;
    ASSERT_EQ(vpmap_lookup_vaddr(vpmap_, kUserBase, &found, &perm), ERR_OK);
    EXPECT_EQ(perm, MEMPERM_UR);
    EXPECT_EQ(RawPte(kUserBase) & PTE_WRITABLE, 0u);
}

TEST_F(VpmapTest, ReplaceFlushesTheOldTranslation)
{
    paddr_t old_page = AllocPage();
    paddr_t new_page = AllocPage();
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, old_page, 1, MEMPERM_UR), ERR_OK);
    vpmap_load(vpmap_);
    vpmap_replace(vpmap_, kUserBase, new_page, MEMPERM_URW);
    EXPECT_EQ(fake_mmu_take_invalidations(), std::vector<vaddr_t>{kUserBase});
    EXPECT_EQ(RawPte(kUserBase), new_page | PTE_PRESENT | PTE_USER | PTE_WRITABLE | PTE_NX);
    EXPECT_EQ(paddr_to_page(old_page)->refcount, 0) << "its only reference was the mapping's";
}

TEST_F(VpmapTest, CowCopySharesFramesReadOnlyOnBothSides)
{
    paddr_t a = AllocPage();
    paddr_t b = AllocPage();
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, a, 1, MEMPERM_URW), ERR_OK);
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase + 3 * PAGE_SIZE, b, 1, MEMPERM_URW), ERR_OK);
    vpmap_load(vpmap_);

    struct vpmap *child;
    ASSERT_EQ(vpmap_create(&child), ERR_OK);
    ASSERT_EQ(vpmap_cow_copy(child, vpmap_, kUserBase, 8, MEMPERM_UR), ERR_OK);

    EXPECT_EQ(paddr_to_page(a)->refcount, 2);
    EXPECT_EQ(paddr_to_page(b)->refcount, 2);
    for (vaddr_t va : std::vector<vaddr_t>{kUserBase, kUserBase + 3 * PAGE_SIZE}) {
        for (struct vpmap *v : {vpmap_, child}) {
            paddr_t found;
            memperm_t perm;
            ASSERT_EQ(vpmap_lookup_vaddr(v, va, &found, &perm), ERR_OK);
            EXPECT_EQ(perm, MEMPERM_UR);
            EXPECT_EQ(found, va == kUserBase ? a : b);
        }
    }
    EXPECT_EQ(fake_mmu_take_invalidations(),
              (std::vector<vaddr_t>{kUserBase, kUserBase + 3 * PAGE_SIZE}))
        << "the parent's writable translations must be flushed";

    vpmap_destroy(child);
    EXPECT_EQ(paddr_to_page(a)->refcount, 1);
    EXPECT_EQ(paddr_to_page(b)->refcount, 1);
}

TEST_F(VpmapTest, CowCopyOfManyPagesFlushesTheWholeTlbOnce)
{
    const size_t pages = 40;  // more than vpmap.c's single-page flush limit
    for (size_t i = 0; i < pages; i++) {
        ASSERT_EQ(vpmap_map(vpmap_, kUserBase + i * PAGE_SIZE, AllocPage(), 1, MEMPERM_URW),
                  ERR_OK);
    }
    vpmap_load(vpmap_);
    int loads = fake_mmu_root_loads();
    struct vpmap *child;
    ASSERT_EQ(vpmap_create(&child), ERR_OK);
    ASSERT_EQ(vpmap_cow_copy(child, vpmap_, kUserBase, pages, MEMPERM_UR), ERR_OK);
    EXPECT_EQ(fake_mmu_root_loads(), loads + 1) << "one reload of the root flushes everything";
    EXPECT_LE(fake_mmu_take_invalidations().size(), 32u);
    vpmap_destroy(child);
}

TEST_F(VpmapTest, CowCopyOutOfMemoryUndoesTheChildCompletely)
{
    // The two pages lie in different page tables, so the child needs a second
    // PT for the second page; make that allocation fail.
    const vaddr_t far = kUserBase + (4ull << 30);
    paddr_t a = AllocPage();
    paddr_t b = AllocPage();
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, a, 1, MEMPERM_URW), ERR_OK);
    ASSERT_EQ(vpmap_map(vpmap_, far, b, 1, MEMPERM_URW), ERR_OK);

    struct vpmap *child;
    ASSERT_EQ(vpmap_create(&child), ERR_OK);
    // Child tables for kUserBase: PDPT, PD, PT = 3 pages. Leave exactly those.
    ExhaustMemory();
    for (int i = 0; i < 3; i++) {
        pmem_free(hoard_.back());
        hoard_.pop_back();
    }
    EXPECT_EQ(
        vpmap_cow_copy(child, vpmap_, kUserBase, (far - kUserBase) / PAGE_SIZE + 1, MEMPERM_UR),
        ERR_NOMEM);
    paddr_t found;
    EXPECT_EQ(vpmap_lookup_vaddr(child, kUserBase, &found, nullptr), ERR_FAULT);
    EXPECT_EQ(paddr_to_page(a)->refcount, 1) << "the undo must drop the child's reference";
    EXPECT_EQ(paddr_to_page(b)->refcount, 1);
    ReleaseHoard();
    vpmap_destroy(child);
}

TEST_F(VpmapTest, MapOutOfMemoryMapsNothing)
{
    paddr_t page = AllocPage();
    ExhaustMemory();
    EXPECT_EQ(vpmap_map(vpmap_, kUserBase, page, 1, MEMPERM_URW), ERR_NOMEM);
    paddr_t found;
    EXPECT_EQ(vpmap_lookup_vaddr(vpmap_, kUserBase, &found, nullptr), ERR_FAULT);
    ReleaseHoard();
    pmem_free(page);
}

TEST_F(VpmapTest, CreateOutOfMemoryFails)
{
    ExhaustMemory();
    struct vpmap *other = nullptr;
    EXPECT_EQ(vpmap_create(&other), ERR_NOMEM);
    ReleaseHoard();
}

TEST_F(VpmapTest, DestroyFreesTablesAndDropsRemainingReferences)
{
    size_t before = pmem_free_pages();
    struct vpmap *other;
    ASSERT_EQ(vpmap_create(&other), ERR_OK);
    for (vaddr_t va :
         std::vector<vaddr_t>{kUserBase, kUserBase + (1ull << 30), kUserBase + (600ull << 30)}) {
        ASSERT_EQ(vpmap_map(other, va, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    }
    EXPECT_LT(pmem_free_pages(), before);
    vpmap_destroy(other);
    EXPECT_EQ(pmem_free_pages(), before);
}

struct VisitedMapping {
    vaddr_t vaddr;
    paddr_t paddr;
    memperm_t perm;
    bool operator==(const VisitedMapping &o) const
    {
        return vaddr == o.vaddr && paddr == o.paddr && perm == o.perm;
    }
};

std::vector<VisitedMapping> Visit(struct vpmap *v)
{
    std::vector<VisitedMapping> seen;
    vpmap_for_each_mapping(
        v,
        [](void *ctx, vaddr_t vaddr, paddr_t paddr, memperm_t perm) {
            static_cast<std::vector<VisitedMapping> *>(ctx)->push_back({vaddr, paddr, perm});
        },
        &seen);
    return seen;
}

TEST_F(VpmapTest, ForEachMappingVisitsEveryMappedPageInOrder)
{
    EXPECT_TRUE(Visit(vpmap_).empty()) << "a new vpmap maps nothing in the user half";

    const vaddr_t boundary = 512ull << 30;  // a new PDPT
    const vaddr_t top = VPMAP_USER_TOP - PAGE_SIZE;
    std::vector<VisitedMapping> expected = {
        {kUserBase, AllocPage(), MEMPERM_URX},
        {kUserBase + PAGE_SIZE, AllocPage(), MEMPERM_URW},
        {kUserBase + (2ull << 20), AllocPage(), MEMPERM_UR},  // a new PT
        {boundary - PAGE_SIZE, AllocPage(), MEMPERM_URW},
        {boundary, AllocPage(), MEMPERM_URW},
        {top, AllocPage(), MEMPERM_UR},  // the last PML4 entry of the user half
    };
    // Mapped out of order, with one extra page unmapped again.
    paddr_t gone = AllocPage();
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase + 7 * PAGE_SIZE, gone, 1, MEMPERM_URW), ERR_OK);
    for (size_t i = expected.size(); i-- > 0;) {
        ASSERT_EQ(vpmap_map(vpmap_, expected[i].vaddr, expected[i].paddr, 1, expected[i].perm),
                  ERR_OK);
    }
    vpmap_unmap(vpmap_, kUserBase + 7 * PAGE_SIZE, 1, VPMAP_DEC_REFCNT);

    std::vector<VisitedMapping> seen = Visit(vpmap_);
    ASSERT_EQ(seen.size(), expected.size());
    for (size_t i = 0; i < seen.size(); i++) {
        EXPECT_TRUE(seen[i] == expected[i])
            << "mapping " << i << ": got va 0x" << std::hex << seen[i].vaddr << " pa 0x"
            << seen[i].paddr << " perm " << seen[i].perm << ", expected va 0x" << expected[i].vaddr
            << " pa 0x" << expected[i].paddr << " perm " << expected[i].perm;
    }
}

// --- Page-table pages (testing/vpmap_contract.h) ------------------------------

TEST_F(VpmapTest, TablePagesAreCountedAndComeFromPmem)
{
    vpmap_contract::TablePagesAreCountedAndComeFromPmem(vpmap_);
}

TEST_F(VpmapTest, UnmappingTheLastPageUnderATableFreesIt)
{
    vpmap_contract::UnmappingTheLastPageUnderATableFreesIt(vpmap_);
}

TEST_F(VpmapTest, WidelySpreadPagesGiveTheirTablesBack)
{
    vpmap_contract::WidelySpreadPagesGiveTheirTablesBack(vpmap_);
}

TEST_F(VpmapTest, MapOutOfMemoryLeavesNoTableBehind)
{
    vpmap_contract::MapOutOfMemoryLeavesNoTableBehind(vpmap_);
}

TEST_F(VpmapTest, ReplaceSwapsThePageInPlace)
{
    vpmap_contract::ReplaceSwapsThePageInPlace(vpmap_);
}

TEST_F(VpmapTest, CowCopyOutOfMemoryLeavesNoTableBehind)
{
    struct vpmap *child;
    ASSERT_EQ(vpmap_create(&child), ERR_OK);
    vpmap_contract::CowCopyOutOfMemoryLeavesNoTableBehind(vpmap_, child);
    vpmap_destroy(child);
}

// The entries that pointed to freed tables are cleared, up to the root.
TEST_F(VpmapTest, FreedTablesAreUnlinkedFromTheTableAbove)
{
    const vaddr_t kept = kUserBase;
    const vaddr_t gone = kUserBase + (1ull << 30);  // the same PDPT, a PD of its own
    ASSERT_EQ(vpmap_map(vpmap_, kept, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    ASSERT_EQ(vpmap_map(vpmap_, gone, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    ASSERT_NE(RawPte(gone, 3), 0u) << "the PDPT entry for gone's PD";

    vpmap_unmap(vpmap_, gone, 1, VPMAP_DEC_REFCNT);
    EXPECT_EQ(RawPte(gone, 3), 0u) << "its PD is freed and unlinked";
    EXPECT_NE(RawPte(kept, 3), 0u) << "kept's PD stays";
    EXPECT_NE(RawPte(kept, 4), 0u) << "the PDPT still holds kept's PD";

    vpmap_unmap(vpmap_, kept, 1, VPMAP_DEC_REFCNT);
    EXPECT_EQ(RawPte(kept, 4), 0u) << "the root's entry is cleared: the PDPT is freed";
    EXPECT_EQ(vpmap_table_pages(vpmap_), 1u);
}

// The CPU caches upper-level entries too (the paging-structure caches), so a
// table freed in the active address space must be flushed before pmem hands
// its page out again; an inactive one needs nothing (loading it flushes).
TEST_F(VpmapTest, FreeingTablesOfTheActiveAddressSpaceFlushesThem)
{
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    vpmap_unmap(vpmap_, kUserBase, 1, VPMAP_DEC_REFCNT);
    EXPECT_TRUE(fake_mmu_take_invalidations().empty()) << "inactive: nothing cached";

    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    vpmap_load(vpmap_);
    vpmap_unmap(vpmap_, kUserBase, 1, VPMAP_DEC_REFCNT);
    EXPECT_EQ(fake_mmu_take_invalidations().size(), 1u + 3) << "the page, its PT, PD and PDPT";
    EXPECT_EQ(vpmap_table_pages(vpmap_), 1u);
}

using VpmapDeathTest = VpmapTest;

TEST_F(VpmapDeathTest, MappingAMappedPagePanics)
{
    paddr_t page = AllocPage();
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, page, 1, MEMPERM_URW), ERR_OK);
    EXPECT_DEATH((void)vpmap_map(vpmap_, kUserBase, page, 1, MEMPERM_URW), "already mapped");
}

TEST_F(VpmapDeathTest, BadRangesPanic)
{
    paddr_t page = AllocPage();
    EXPECT_DEATH((void)vpmap_map(vpmap_, kUserBase + 1, page, 1, MEMPERM_URW), "bad range");
    EXPECT_DEATH(vpmap_unmap(vpmap_, VPMAP_USER_TOP, 1, VPMAP_KEEP_REFCNT), "bad range");
    EXPECT_DEATH(vpmap_set_perm(vpmap_, VPMAP_USER_TOP - PAGE_SIZE, 2, MEMPERM_UR), "bad range");
    pmem_free(page);
}

TEST_F(VpmapDeathTest, DestroyingTheActiveAddressSpacePanics)
{
    vpmap_load(vpmap_);
    EXPECT_DEATH(vpmap_destroy(vpmap_), "active address space");
}

}  // namespace
