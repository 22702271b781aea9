// Host tests for the physical memory arena (testing/pmem_arena.h) and the
// kmap fake that translates into it (testing/fake_kmap.cc).
//
// Criteria checked:
//  1. kmap_p2v and kmap_v2p are inverse on every byte of the arena, and
//     physical address p is byte p of the arena.
//  2. Both panic, naming the address, for anything outside the arena, and
//     when there is no arena.
//  3. The boot info describes the layout documented in pmem_arena.h: its
//     usable whole pages number pmem_arena_usable_pages(), and its strings
//     live in the arena at the documented pages.
//  4. A new arena is filled with 0xa5, not zero.

#include <cstring>

#include "testing/pmem_arena.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
}

namespace {

constexpr size_t kPages = 64;

class PmemArenaTest : public testing::Test {
  protected:
    void SetUp() override
    {
        pmem_arena_create(kPages);
    }

    void TearDown() override
    {
        pmem_arena_destroy();
    }
};

// Whole pages inside the usable ranges of `info`, counted from the map alone.
size_t CountUsablePages(const struct boot_info *info)
{
    size_t pages = 0;
    for (size_t i = 0; i < info->num_mem_ranges; i++) {
        const struct mem_range &r = info->mem_ranges[i];
        uint64_t first = pg_round_up(r.start);
        uint64_t last = pg_round_down(r.start + r.length);
        if (r.type == MEM_USABLE && last > first) {
            pages += (last - first) / PAGE_SIZE;
        }
    }
    return pages;
}

TEST_F(PmemArenaTest, PhysicalAddressIsTheOffsetIntoTheArena)
{
    for (paddr_t p = 0; p < kPages * PAGE_SIZE; p += PAGE_SIZE / 4) {
        unsigned char *v = static_cast<unsigned char *>(kmap_p2v(p));
        EXPECT_EQ(v, pmem_arena_base() + p);
        EXPECT_EQ(kmap_v2p(v), p);
    }
    EXPECT_EQ(kmap_v2p(pmem_arena_base() + kPages * PAGE_SIZE - 1), kPages * PAGE_SIZE - 1);
}

TEST_F(PmemArenaTest, NewArenaIsNotZeroed)
{
    const unsigned char *page = static_cast<unsigned char *>(kmap_p2v(7 * PAGE_SIZE));
    for (size_t i = 0; i < PAGE_SIZE; i++) {
        ASSERT_EQ(page[i], 0xa5) << "byte " << i;
    }
}

TEST_F(PmemArenaTest, BootInfoUsablePagesMatchTheDocumentedCount)
{
    EXPECT_EQ(CountUsablePages(pmem_arena_boot_info()), kPages - 4);
    EXPECT_EQ(pmem_arena_usable_pages(), kPages - 4);
}

TEST_F(PmemArenaTest, BootInfoStringsAndRangesLieWhereDocumented)
{
    const struct boot_info *info = pmem_arena_boot_info();
    EXPECT_EQ(kmap_v2p(info->cmdline), 12 * PAGE_SIZE + 0x40);
    EXPECT_STREQ(info->cmdline, "arena cmdline");
    ASSERT_EQ(info->num_modules, 1u);
    EXPECT_EQ(kmap_v2p(info->modules[0].name), 15 * PAGE_SIZE + 0x80);
    EXPECT_EQ(info->modules[0].start, 13 * PAGE_SIZE);
    EXPECT_EQ(info->kernel_start, 8 * PAGE_SIZE);
    EXPECT_EQ(pg_round_up(info->kernel_end), 12 * PAGE_SIZE);
}

using PmemArenaDeathTest = PmemArenaTest;

TEST_F(PmemArenaDeathTest, P2vPastTheEndPanics)
{
    EXPECT_DEATH(kmap_p2v(kPages * PAGE_SIZE), "kmap_p2v: physical address 0x40000 is outside");
}

TEST_F(PmemArenaDeathTest, V2pOfAHostPointerPanics)
{
    int on_stack = 0;
    EXPECT_DEATH(kmap_v2p(&on_stack), "kmap_v2p: 0x[0-9a-f]+ is not an address in the arena");
}

TEST_F(PmemArenaDeathTest, V2pOnePastTheEndPanics)
{
    EXPECT_DEATH(kmap_v2p(pmem_arena_base() + kPages * PAGE_SIZE), "not an address in the arena");
}

TEST_F(PmemArenaDeathTest, KmapWithoutAnArenaPanics)
{
    pmem_arena_destroy();
    EXPECT_DEATH(kmap_p2v(0), "outside the arena");
    EXPECT_DEATH(kmap_v2p(reinterpret_cast<void *>(0x1000)), "not an address in the arena");
}

TEST(PmemArenaCreateDeathTest, ArenaBelowTheMinimumSizeAborts)
{
    EXPECT_DEATH(pmem_arena_create(kPmemArenaMinPages - 1), "below the minimum");
}

}  // namespace
