// Host tests for copyin/copyout/copyinstr (kernel/uaccess.c) on the pmem arena
// and the fake page table, or the real x86_64 tables in uaccess_test_x86_64.
//
// Criteria checked:
//  1. Copies move the right bytes, also across page boundaries.
//  2. NULL, unmapped addresses outside every region, kernel addresses and
//     ranges that wrap around are ERR_FAULT, and nothing is written.
//  3. A range that starts in valid memory and runs into bad memory fails.
//  4. Lazy pages are served on the way (demand-zero), and copyout into a
//     copy-on-write page copies exactly that page.
//  5. copyout into a read-only region is ERR_FAULT.
//  6. copyinstr stops at the NUL, reports ERR_TOOLONG for overlong strings
//     (still NUL-terminating its buffer) and ERR_FAULT for bad ones.
//  7. Out of memory while serving a lazy page is ERR_NOMEM.

#include <cstring>
#include <string>
#include <vector>

#include "testing/fake_current.h"
#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/vm.h"
#include "kernel/uaccess.h"
}

namespace {

constexpr vaddr_t kData = 0x400000;  // 2 pages, URW, mapped
constexpr vaddr_t kText = 0x600000;  // 1 page, UR, mapped
constexpr vaddr_t kHeap = 0x800000;  // 4 pages of heap, none mapped yet

class UaccessTest : public PmemTest {
  protected:
    void SetUp() override
    {
        PmemTest::SetUp();
        ASSERT_EQ(as_create(&as_), ERR_OK);
        ASSERT_EQ(as_map_memregion(as_, kData, 2 * PAGE_SIZE, MEMPERM_URW, MEMREGION_DATA, nullptr),
                  ERR_OK);
        ASSERT_EQ(as_map_memregion(as_, kText, PAGE_SIZE, MEMPERM_UR, MEMREGION_CODE, nullptr),
                  ERR_OK);
        for (vaddr_t va : std::vector<vaddr_t>{kData, kData + PAGE_SIZE, kText}) {
            ASSERT_EQ(as_map_zero_page(as_, va), ERR_OK);
        }
        ASSERT_EQ(as_map_heap(as_, kHeap), ERR_OK);
        vaddr_t old;
        ASSERT_EQ(as_sbrk(as_, 4 * PAGE_SIZE, &old), ERR_OK);
        fake_set_current_as(as_);
    }

    void TearDown() override
    {
        fake_set_current_as(nullptr);
        as_destroy(as_);
        PmemTest::TearDown();
    }

    // The frame mapped at va, and its permission (the test fails if va is
    // not mapped).
    paddr_t Frame(vaddr_t va, memperm_t *perm = nullptr)
    {
        paddr_t frame = 0;
        memperm_t mapped;
        EXPECT_EQ(vpmap_lookup_vaddr(as_->vpmap, pg_round_down(va), &frame, &mapped), ERR_OK)
            << "0x" << std::hex << va << " is not mapped";
        if (perm != nullptr) {
            *perm = mapped;
        }
        return frame;
    }

    // The byte at user address va, read through the page table.
    char UserByte(vaddr_t va)
    {
        return static_cast<char *>(kmap_p2v(Frame(va)))[va % PAGE_SIZE];
    }

    struct addrspace *as_ = nullptr;
};

TEST_F(UaccessTest, CopyoutThenCopyinRoundTripsAcrossAPageBoundary)
{
    std::string text = "crosses the boundary between two pages";
    vaddr_t at = kData + PAGE_SIZE - 10;
    ASSERT_EQ(copyout(at, text.data(), text.size()), ERR_OK);
    EXPECT_EQ(UserByte(at), 'c');
    EXPECT_EQ(UserByte(kData + PAGE_SIZE), text[10]);

    std::string back(text.size(), '\0');
    ASSERT_EQ(copyin(back.data(), at, back.size()), ERR_OK);
    EXPECT_EQ(back, text);
}

TEST_F(UaccessTest, BadAddressesAreFaultsAndWriteNothing)
{
    char buf[10] = "unchanged";
    for (vaddr_t bad : std::vector<vaddr_t>{0, 0x1000, 0x500000, VPMAP_USER_TOP,
                                            0xffff800000000000ull, ~0ull - 3}) {
        EXPECT_EQ(copyin(buf, bad, sizeof(buf)), ERR_FAULT) << std::hex << bad;
        EXPECT_EQ(copyout(bad, buf, sizeof(buf)), ERR_FAULT) << std::hex << bad;
    }
    EXPECT_STREQ(buf, "unchanged");
}

TEST_F(UaccessTest, RangeThatWrapsAroundIsAFault)
{
    char buf[16];
    EXPECT_EQ(copyin(buf, kData, ~0ull), ERR_FAULT);
    EXPECT_EQ(copyout(~0ull - 1, buf, 16), ERR_FAULT);
}

TEST_F(UaccessTest, RangeRunningIntoUnmappedMemoryFails)
{
    // The data region ends after 2 pages; nothing is above it.
    char buf[32] = {};
    EXPECT_EQ(copyin(buf, kData + 2 * PAGE_SIZE - 16, sizeof(buf)), ERR_FAULT);
    EXPECT_EQ(copyout(kData + 2 * PAGE_SIZE - 16, buf, sizeof(buf)), ERR_FAULT);
}

TEST_F(UaccessTest, LazyHeapPagesAreServedOnTheWay)
{
    size_t free_before = pmem_free_pages();
    uint64_t zero_faults = as_->stats.demand_zero_faults;
    char buf[16];
    ASSERT_EQ(copyin(buf, kHeap + PAGE_SIZE + 8, sizeof(buf)), ERR_OK);
    EXPECT_EQ(std::string(buf, sizeof(buf)), std::string(16, '\0')) << "fresh pages are zero";
    EXPECT_EQ(as_->stats.demand_zero_faults, zero_faults + 1);
    // The heap's 2 MiB had no page table yet: its first page brings one.
    EXPECT_EQ(pmem_free_pages(), free_before - 1 - 1) << "exactly one page served";
    ASSERT_EQ(copyout(kHeap + 3 * PAGE_SIZE, "x", 1), ERR_OK);
    EXPECT_EQ(UserByte(kHeap + 3 * PAGE_SIZE), 'x');
}

TEST_F(UaccessTest, CopyoutIntoACopyOnWritePageCopiesExactlyThatPage)
{
    ASSERT_EQ(copyout(kData, "parent", 7), ERR_OK);
    struct addrspace *child;
    ASSERT_EQ(as_copy(as_, &child), ERR_OK);
    paddr_t shared = Frame(kData);
    ASSERT_EQ(pmem_refcount(shared), 2);

    size_t free_before = pmem_free_pages();
    ASSERT_EQ(copyout(kData, "PARENT", 7), ERR_OK);
    EXPECT_EQ(pmem_free_pages(), free_before - 1) << "one page copied";
    EXPECT_EQ(as_->stats.cow_copies, 1u);
    EXPECT_NE(Frame(kData), shared);
    EXPECT_EQ(pmem_refcount(shared), 1);
    EXPECT_STREQ(static_cast<char *>(kmap_p2v(shared)), "parent") << "the child's copy is intact";
    memperm_t perm;
    Frame(kData + PAGE_SIZE, &perm);
    EXPECT_EQ(perm, MEMPERM_UR) << "the other shared page was not touched";
    as_destroy(child);
}

TEST_F(UaccessTest, CopyoutIntoReadOnlyMemoryIsAFault)
{
    EXPECT_EQ(copyout(kText, "x", 1), ERR_FAULT);
    EXPECT_EQ(UserByte(kText), '\0');
    char c;
    EXPECT_EQ(copyin(&c, kText, 1), ERR_OK) << "reading it is fine";
}

TEST_F(UaccessTest, CopyinstrStopsAtTheNul)
{
    ASSERT_EQ(copyout(kData + PAGE_SIZE - 3, "hello", 6), ERR_OK);
    char buf[16];
    size_t len = 99;
    ASSERT_EQ(copyinstr(buf, kData + PAGE_SIZE - 3, sizeof(buf), &len), ERR_OK);
    EXPECT_STREQ(buf, "hello");
    EXPECT_EQ(len, 5u);
}

TEST_F(UaccessTest, CopyinstrOfAnOverlongStringIsTooLongAndTerminated)
{
    ASSERT_EQ(copyout(kData, "abcdefgh", 9), ERR_OK);
    char buf[4];
    EXPECT_EQ(copyinstr(buf, kData, sizeof(buf), nullptr), ERR_TOOLONG);
    EXPECT_STREQ(buf, "abc");
}

TEST_F(UaccessTest, CopyinstrOfAStringRunningIntoBadMemoryIsAFault)
{
    std::vector<char> full(PAGE_SIZE, 'z');
    ASSERT_EQ(copyout(kData + PAGE_SIZE, full.data(), full.size()), ERR_OK);  // no NUL
    char buf[64];
    EXPECT_EQ(copyinstr(buf, kData + 2 * PAGE_SIZE - 8, sizeof(buf), nullptr), ERR_FAULT);
    EXPECT_EQ(copyinstr(buf, 0, sizeof(buf), nullptr), ERR_FAULT);
}

TEST_F(UaccessTest, OutOfMemoryWhileServingALazyPageIsNomem)
{
    std::vector<paddr_t> hoard = AllocateAllPages();
    char buf[4];
    EXPECT_EQ(copyin(buf, kHeap, sizeof(buf)), ERR_NOMEM);
    FreePages(hoard);
}

}  // namespace
