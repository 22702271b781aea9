// Tests of the fake page table's simulated CPU (testing/fake_vpmap.h): user
// accesses through a TLB.
//
// Criteria checked:
//  1. An access to an absent page faults "not present"; to the kernel half,
//     "present"; a write to a read-only page faults "present".
//  2. The first access walks the table and caches the translation; later
//     ones hit the TLB and reach the same frame (reads and writes go to the
//     frame's real bytes).
//  3. Every flush the fake's operations do (unmap, set_perm, cow_copy's
//     read-only step) drops the cached entry, so the next access sees the
//     new mapping; vpmap_load drops everything; a fault drops its entry.
//  4. With flushes suppressed, the old translation survives: a stale read
//     after unmap, a write through a mapping that is read-only now.
//  5. Flushes are still recorded per vpmap, active or not (the existing API).
//  6. vpmap_for_each_mapping visits the mappings in order.
//  7. The contract on page-table pages (testing/vpmap_contract.h), which the
//     real x86_64 tables' tests check too.

#include <cstring>
#include <utility>
#include <vector>

#include "testing/fake_vpmap.h"
#include "testing/pmem_fixture.h"
#include "testing/vpmap_contract.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/mm/pmem.h"
}

namespace {

constexpr vaddr_t kPage = 0x400000;

class FakeTlbTest : public PmemTest {
  protected:
    void SetUp() override
    {
        PmemTest::SetUp();
        fake_vpmap_fail_after(-1);
        fake_vpmap_suppress_flushes(false);
        ASSERT_EQ(vpmap_create(&v_), ERR_OK);
        vpmap_load(v_);
    }

    void TearDown() override
    {
        fake_vpmap_suppress_flushes(false);
        vpmap_load(vpmap_kernel());
        vpmap_destroy(v_);
        PmemTest::TearDown();
    }

    // Maps a fresh page filled with `fill` at va.
    paddr_t MapFilled(vaddr_t va, memperm_t perm, uint8_t fill)
    {
        paddr_t p;
        EXPECT_EQ(pmem_alloc(&p), ERR_OK);
        std::memset(kmap_p2v(p), fill, PAGE_SIZE);
        EXPECT_EQ(vpmap_map(v_, va, p, 1, perm), ERR_OK);
        return p;
    }

    struct vpmap *v_ = nullptr;
};

TEST_F(FakeTlbTest, AbsentKernelAndReadOnlyAccessesFaultWithTheRightPresentBit)
{
    uint8_t value = 0;
    FakeUserAccess a = fake_user_read(kPage, &value);
    EXPECT_TRUE(a.fault);
    EXPECT_FALSE(a.present);
    a = fake_user_read(VPMAP_USER_TOP + 5, &value);
    EXPECT_TRUE(a.fault);
    EXPECT_TRUE(a.present);
    MapFilled(kPage, MEMPERM_UR, 7);
    a = fake_user_write(kPage, 1);
    EXPECT_TRUE(a.fault);
    EXPECT_TRUE(a.present);
    EXPECT_TRUE(fake_tlb_entries().empty()) << "a fault leaves no entry";
}

TEST_F(FakeTlbTest, FirstAccessWalksAndCachesLaterOnesHit)
{
    paddr_t p = MapFilled(kPage, MEMPERM_URW, 7);
    uint8_t value = 0;
    FakeUserAccess a = fake_user_read(kPage + 9, &value);
    ASSERT_FALSE(a.fault);
    EXPECT_FALSE(a.tlb_hit);
    EXPECT_EQ(a.paddr, p + 9);
    EXPECT_EQ(value, 7);
    EXPECT_EQ(fake_tlb_entries().count(kPage), 1u);

    a = fake_user_write(kPage + 10, 42);
    ASSERT_FALSE(a.fault);
    EXPECT_TRUE(a.tlb_hit);
    EXPECT_EQ(static_cast<uint8_t *>(kmap_p2v(p))[10], 42);
    a = fake_user_read(kPage + 10, &value);
    EXPECT_TRUE(a.tlb_hit);
    EXPECT_EQ(value, 42);
}

TEST_F(FakeTlbTest, EveryFlushingOperationDropsTheEntry)
{
    MapFilled(kPage, MEMPERM_URW, 1);
    ASSERT_FALSE(fake_user_write(kPage, 2).fault);

    vpmap_set_perm(v_, kPage, 1, MEMPERM_UR);
    EXPECT_TRUE(fake_user_write(kPage, 3).fault) << "read-only now: the write must fault";
    uint8_t value = 0;
    EXPECT_FALSE(fake_user_read(kPage, &value).fault);
    EXPECT_EQ(value, 2);

    // Fork's sharing step makes the parent's writable page read-only.
    vpmap_set_perm(v_, kPage, 1, MEMPERM_URW);
    ASSERT_FALSE(fake_user_write(kPage, 4).fault);
    struct vpmap *child;
    ASSERT_EQ(vpmap_create(&child), ERR_OK);
    ASSERT_EQ(vpmap_cow_copy(child, v_, kPage, 1, MEMPERM_UR), ERR_OK);
    EXPECT_TRUE(fake_user_write(kPage, 5).fault);
    vpmap_destroy(child);

    vpmap_unmap(v_, kPage, 1, VPMAP_DEC_REFCNT);
    FakeUserAccess a = fake_user_read(kPage, &value);
    EXPECT_TRUE(a.fault);
    EXPECT_FALSE(a.present);
}

TEST_F(FakeTlbTest, LoadDropsEveryEntry)
{
    MapFilled(kPage, MEMPERM_URW, 1);
    MapFilled(kPage + PAGE_SIZE, MEMPERM_URW, 1);
    uint8_t value;
    ASSERT_FALSE(fake_user_read(kPage, &value).fault);
    ASSERT_FALSE(fake_user_read(kPage + PAGE_SIZE, &value).fault);
    EXPECT_EQ(fake_tlb_entries().size(), 2u);
    vpmap_load(v_);
    EXPECT_TRUE(fake_tlb_entries().empty());
    EXPECT_EQ(fake_vpmap_active(), v_);
}

TEST_F(FakeTlbTest, WithoutFlushesTheOldTranslationSurvives)
{
    paddr_t p = MapFilled(kPage, MEMPERM_URW, 1);
    ASSERT_FALSE(fake_user_write(kPage, 2).fault);
    fake_vpmap_suppress_flushes(true);

    vpmap_set_perm(v_, kPage, 1, MEMPERM_UR);
    FakeUserAccess a = fake_user_write(kPage, 3);
    EXPECT_FALSE(a.fault) << "the stale writable entry lets the write through";
    EXPECT_TRUE(a.tlb_hit);

    pmem_inc_refcnt(p);  // keep the frame, to look at it after the unmap
    vpmap_unmap(v_, kPage, 1, VPMAP_DEC_REFCNT);
    uint8_t value = 0;
    a = fake_user_read(kPage, &value);
    EXPECT_FALSE(a.fault) << "a stale read of the unmapped frame";
    EXPECT_EQ(a.paddr, p);
    EXPECT_EQ(value, 3);
    EXPECT_TRUE(fake_vpmap_take_flushes(v_).empty()) << "no flush was done, none recorded";

    vpmap_load(v_);
    EXPECT_TRUE(fake_user_read(kPage, &value).fault);
    pmem_dec_refcnt(p);
}

TEST_F(FakeTlbTest, FlushesAreRecordedForInactiveVpmapsToo)
{
    struct vpmap *other;
    ASSERT_EQ(vpmap_create(&other), ERR_OK);
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    ASSERT_EQ(vpmap_map(other, kPage, p, 1, MEMPERM_URW), ERR_OK);
    vpmap_set_perm(other, kPage, 1, MEMPERM_UR);
    EXPECT_EQ(fake_vpmap_take_flushes(other), std::vector<vaddr_t>{kPage});
    vpmap_destroy(other);
}

TEST_F(FakeTlbTest, ForEachMappingVisitsInOrder)
{
    paddr_t b = MapFilled(kPage + 3 * PAGE_SIZE, MEMPERM_UR, 0);
    paddr_t a = MapFilled(kPage, MEMPERM_URX, 0);
    std::vector<std::pair<vaddr_t, paddr_t>> seen;
    vpmap_for_each_mapping(
        v_,
        [](void *ctx, vaddr_t va, paddr_t pa, memperm_t) {
            static_cast<std::vector<std::pair<vaddr_t, paddr_t>> *>(ctx)->push_back({va, pa});
        },
        &seen);
    EXPECT_EQ(seen,
              (std::vector<std::pair<vaddr_t, paddr_t>>{{kPage, a}, {kPage + 3 * PAGE_SIZE, b}}));
}

// --- Page-table pages (testing/vpmap_contract.h) ------------------------------

// The fake as a page table, apart from its simulated CPU.
class FakeVpmapTest : public PmemTest {
  protected:
    void SetUp() override
    {
        PmemTest::SetUp();
        fake_vpmap_fail_after(-1);
        ASSERT_EQ(vpmap_create(&v_), ERR_OK);
    }

    void TearDown() override
    {
        vpmap_destroy(v_);
        PmemTest::TearDown();
    }

    struct vpmap *v_ = nullptr;
};

TEST_F(FakeVpmapTest, TablePagesAreCountedAndComeFromPmem)
{
    vpmap_contract::TablePagesAreCountedAndComeFromPmem(v_);
}

TEST_F(FakeVpmapTest, UnmappingTheLastPageUnderATableFreesIt)
{
    vpmap_contract::UnmappingTheLastPageUnderATableFreesIt(v_);
}

TEST_F(FakeVpmapTest, WidelySpreadPagesGiveTheirTablesBack)
{
    vpmap_contract::WidelySpreadPagesGiveTheirTablesBack(v_);
}

TEST_F(FakeVpmapTest, MapOutOfMemoryLeavesNoTableBehind)
{
    vpmap_contract::MapOutOfMemoryLeavesNoTableBehind(v_);
}

TEST_F(FakeVpmapTest, ReplaceSwapsThePageInPlace)
{
    vpmap_contract::ReplaceSwapsThePageInPlace(v_);
}

TEST_F(FakeVpmapTest, CowCopyOutOfMemoryLeavesNoTableBehind)
{
    struct vpmap *child;
    ASSERT_EQ(vpmap_create(&child), ERR_OK);
    vpmap_contract::CowCopyOutOfMemoryLeavesNoTableBehind(v_, child);
    vpmap_destroy(child);
}

}  // namespace
