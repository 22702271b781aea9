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
//  5. arch/vpmap.h's contract (testing/vpmap_contract.h), which the real
//     x86_64 tables' tests check too: instantiated here as Fake/VpmapContract.

#include <cstring>
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

}  // namespace

namespace vpmap_contract {

// The fake: "active" is what vpmap_load made it; the kernel's vpmap is
// active between tests.
struct FakeVpmap {
    static void Reset()
    {
        fake_vpmap_fail_after(-1);
        fake_vpmap_suppress_flushes(false);
        vpmap_load(vpmap_kernel());
    }
    static void Deactivate()
    {
        vpmap_load(vpmap_kernel());
    }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Fake, VpmapContract, FakeVpmap);
INSTANTIATE_TYPED_TEST_SUITE_P(Fake, VpmapContractDeathTest, FakeVpmap);

}  // namespace vpmap_contract
