// Host tests for the real x86_64 page-table code (arch/x86_64/vpmap.c),
// running on a host "physical memory" arena managed by pmem, with the MMU
// instructions recorded by testing/fake_mmu.
//
// The promises of arch/vpmap.h, which the fake must keep too, are checked
// once for both in testing/vpmap_contract.h, instantiated here for these
// tables as X86_64/VpmapContract. What is checked here is x86_64's own:
//
// Criteria checked:
//  1. PTE bits are exactly as specified for each permission (P, W, U, NX),
//     and intermediate tables allow everything (the leaf decides).
//  2. Ranges crossing PT boundaries use two PTs.
//  3. replace writes the new frame's entry.
//  4. cow_copy of many pages flushes the whole TLB once (a root reload)
//     rather than page by page.
//  5. create out of memory fails.
//  6. A freed table is unlinked from the table above it, and flushed from
//     the CPU's caches when its address space is the active one.
//  7. cow_copy, set_perm and unmap read each table once, entry by entry,
//     instead of walking from the root for each page (fork's cost per page,
//     and sbrk's when it shrinks).

#include <vector>

#include "testing/fake_kmap.h"
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
            // Each mapping's reference is the test's, as an address space's.
            vpmap_unmap(vpmap_, 0, VPMAP_USER_TOP / PAGE_SIZE, vpmap_contract::DropReference,
                        nullptr);
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

    // Maps one page at each of `pages` pages from kUserBase, with a
    // reference for each mapping (the arena is too small for a page each).
    void MapOnePageEverywhere(size_t pages)
    {
        paddr_t page = AllocPage();
        for (size_t i = 0; i < pages; i++) {
            if (i > 0) {
                pmem_inc_refcnt(page);
            }
            ASSERT_EQ(vpmap_map(vpmap_, kUserBase + i * PAGE_SIZE, page, 1, MEMPERM_URW), ERR_OK);
        }
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

TEST_F(VpmapTest, ReplaceFlushesTheOldTranslation)
{
    paddr_t old_page = AllocPage();
    paddr_t new_page = AllocPage();
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, old_page, 1, MEMPERM_UR), ERR_OK);
    vpmap_load(vpmap_);
    EXPECT_EQ(vpmap_replace(vpmap_, kUserBase, new_page, MEMPERM_URW), old_page);
    EXPECT_EQ(fake_mmu_take_invalidations(), std::vector<vaddr_t>{kUserBase});
    EXPECT_EQ(RawPte(kUserBase), new_page | PTE_PRESENT | PTE_USER | PTE_WRITABLE | PTE_NX);
    pmem_free(old_page);
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
    vpmap_destroy(child);  // its pages are the parent's too: nothing to drop
}

TEST_F(VpmapTest, CowCopyReadsEachTableOnce)
{
    const size_t pages = 2 * PT_ENTRIES;  // two full page tables
    MapOnePageEverywhere(pages);
    struct vpmap *child;
    ASSERT_EQ(vpmap_create(&child), ERR_OK);
    size_t before = fake_kmap_p2v_count();
    ASSERT_EQ(vpmap_cow_copy(child, vpmap_, kUserBase, pages, MEMPERM_UR), ERR_OK);
    // Each side's root, PDPT, PD and two PTs, and the child's four new tables
    // zeroed: a few dozen at most, where a walk per page makes thousands.
    EXPECT_LE(fake_kmap_p2v_count() - before, 32u);
    vpmap_destroy(child);  // its pages are the parent's too: nothing to drop
}

TEST_F(VpmapTest, SetPermAndUnmapReadEachTableOnce)
{
    const size_t pages = 2 * PT_ENTRIES;  // two full page tables
    MapOnePageEverywhere(pages);
    size_t before = fake_kmap_p2v_count();
    vpmap_set_perm(vpmap_, kUserBase, pages, MEMPERM_UR);
    // Root, PDPT, PD and two PTs: a walk per page makes thousands.
    EXPECT_LE(fake_kmap_p2v_count() - before, 8u);
    before = fake_kmap_p2v_count();
    EXPECT_EQ(vpmap_unmap(vpmap_, kUserBase, pages, vpmap_contract::DropReference, nullptr), pages);
    // The same, and the emptied tables checked and freed.
    EXPECT_LE(fake_kmap_p2v_count() - before, 32u);
}

TEST_F(VpmapTest, CreateOutOfMemoryFails)
{
    ExhaustMemory();
    struct vpmap *other = nullptr;
    EXPECT_EQ(vpmap_create(&other), ERR_NOMEM);
    ReleaseHoard();
}

// The entries that pointed to freed tables are cleared, up to the root.
TEST_F(VpmapTest, FreedTablesAreUnlinkedFromTheTableAbove)
{
    const vaddr_t kept = kUserBase;
    const vaddr_t gone = kUserBase + (1ull << 30);  // the same PDPT, a PD of its own
    ASSERT_EQ(vpmap_map(vpmap_, kept, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    ASSERT_EQ(vpmap_map(vpmap_, gone, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    ASSERT_NE(RawPte(gone, 3), 0u) << "the PDPT entry for gone's PD";

    vpmap_unmap(vpmap_, gone, 1, vpmap_contract::DropReference, nullptr);
    EXPECT_EQ(RawPte(gone, 3), 0u) << "its PD is freed and unlinked";
    EXPECT_NE(RawPte(kept, 3), 0u) << "kept's PD stays";
    EXPECT_NE(RawPte(kept, 4), 0u) << "the PDPT still holds kept's PD";

    vpmap_unmap(vpmap_, kept, 1, vpmap_contract::DropReference, nullptr);
    EXPECT_EQ(RawPte(kept, 4), 0u) << "the root's entry is cleared: the PDPT is freed";
    EXPECT_EQ(vpmap_table_pages(vpmap_), 1u);
}

// The CPU caches upper-level entries too (the paging-structure caches), so a
// table freed in the active address space must be flushed before pmem hands
// its page out again; an inactive one needs nothing (loading it flushes).
TEST_F(VpmapTest, FreeingTablesOfTheActiveAddressSpaceFlushesThem)
{
    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    vpmap_unmap(vpmap_, kUserBase, 1, vpmap_contract::DropReference, nullptr);
    EXPECT_TRUE(fake_mmu_take_invalidations().empty()) << "inactive: nothing cached";

    ASSERT_EQ(vpmap_map(vpmap_, kUserBase, AllocPage(), 1, MEMPERM_URW), ERR_OK);
    vpmap_load(vpmap_);
    vpmap_unmap(vpmap_, kUserBase, 1, vpmap_contract::DropReference, nullptr);
    EXPECT_EQ(fake_mmu_take_invalidations().size(), 1u + 3) << "the page, its PT, PD and PDPT";
    EXPECT_EQ(vpmap_table_pages(vpmap_), 1u);
}

}  // namespace

namespace vpmap_contract {

struct X86Vpmap {};

INSTANTIATE_TYPED_TEST_SUITE_P(X86_64, VpmapContract, X86Vpmap);
INSTANTIATE_TYPED_TEST_SUITE_P(X86_64, VpmapContractDeathTest, X86Vpmap);
INSTANTIATE_TYPED_TEST_SUITE_P(X86_64, VpmapThroughTheMmu, X86Vpmap);
INSTANTIATE_TYPED_TEST_SUITE_P(X86_64, VpmapOnSeveralCpus, X86Vpmap);

}  // namespace vpmap_contract
