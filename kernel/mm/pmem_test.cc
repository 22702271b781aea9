// Host tests for pmem, the physical page allocator, on the arena of
// testing/pmem_arena.h (64 pages unless a test says otherwise: 60 usable, of
// which page 0, 4 kernel pages, 2 module pages, 2 pages of boot strings and
// 1 page of struct pages are excluded, leaving 50 free).
//
// Criteria checked:
//  1. pmem_init's figures are exact: every usable page is counted once, in
//     the category pmem.h documents, and they add up to the usable total.
//  2. Exactly pmem_free_pages() allocations succeed; the next one returns
//     ERR_NOMEM and leaves its output alone; freeing everything restores the
//     counts.
//  3. Pages handed out are distinct, page-aligned, whole usable pages of the
//     map, outside every excluded range (page 0, kernel image, module, boot
//     strings, struct page array, reserved ranges), and can be filled without
//     disturbing each other or pmem.
//  4. Freed pages are handed out again; after init, lowest addresses first.
//  5. Reference counts: a new page has 1; inc/dec move it; the page is freed
//     exactly when it reaches 0. Changing or reading the count of a shared
//     page leaves interrupts alone (atomic, not under the lock: fork and exit
//     change one per page). Changes made at once by several CPUs (host
//     threads here) all count: none is lost.
//  6. paddr_to_page: any address inside a page names that page's struct page.
//  7. The struct page array goes to the lowest usable place it fits.
//  8. Map quirks: overlapping usable ranges count once; a usable page also
//     listed as reserved is not handed out; pmem_init again starts over.
//  9. Misuse panics and names the address: freeing a free page, freeing a
//     shared page, a refcount dropping below zero, raising a free page's
//     count, and any address pmem does not manage; so do a map with no
//     usable page and a map with no room for the struct page array.
//  10. Every test leaves the free count at its baseline (the fixture).
//  11. The checkers' view: pmem_page_state says unmanaged, free or allocated
//      for any address without panicking; pmem_page_index numbers managed
//      pages distinctly below the limit; the census adds up, and sees a free
//      list or refcount that someone corrupted.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "testing/fake_interrupts.h"
#include "testing/pmem_arena.h"
#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/boot_info.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_boot.h"
#include "kernel/mm/pmem_census.h"
#include "kernel/mm/pmem_internal.h"
}

namespace {

paddr_t Page(size_t n)
{
    return n * PAGE_SIZE;
}

// "0x..." as pmem's panic messages print a physical address.
std::string Hex(paddr_t paddr)
{
    char text[32];
    std::snprintf(text, sizeof text, "0x%lx", static_cast<unsigned long>(paddr));
    return text;
}

struct Range {
    paddr_t start;
    paddr_t end;
};

// The pages pmem must never hand out in the arena's layout, rounded out to
// whole pages, from the boot info alone (not from pmem).
std::vector<Range> ExcludedRanges(const struct boot_info *info)
{
    std::vector<Range> ranges;
    auto add = [&](paddr_t start, paddr_t end) {
        ranges.push_back({pg_round_down(start), pg_round_up(end)});
    };
    auto add_string = [&](const char *s) {
        paddr_t start = kmap_v2p(s);
        add(start, start + std::strlen(s) + 1);
    };
    add(0, 1);
    add(info->kernel_start, info->kernel_end);
    for (size_t i = 0; i < info->num_modules; i++) {
        add(info->modules[i].start, info->modules[i].end);
        add_string(info->modules[i].name);
    }
    add_string(info->cmdline);
    for (size_t i = 0; i < info->num_mem_ranges; i++) {
        const struct mem_range &r = info->mem_ranges[i];
        if (r.type != MEM_USABLE) {
            add(r.start, r.start + r.length);
        }
    }
    struct pmem_init_counts counts;
    pmem_get_init_counts(&counts);
    add(counts.page_structs_paddr, counts.page_structs_paddr + counts.page_structs * PAGE_SIZE);
    return ranges;
}

bool InWholeUsablePage(const struct boot_info *info, paddr_t paddr)
{
    for (size_t i = 0; i < info->num_mem_ranges; i++) {
        const struct mem_range &r = info->mem_ranges[i];
        if (r.type == MEM_USABLE && paddr >= pg_round_up(r.start) &&
            paddr + PAGE_SIZE <= pg_round_down(r.start + r.length)) {
            return true;
        }
    }
    return false;
}

struct pmem_init_counts InitCounts()
{
    struct pmem_init_counts counts;
    pmem_get_init_counts(&counts);
    return counts;
}

TEST_F(PmemTest, CountsEachExcludedPageOnceInItsCategory)
{
    struct pmem_init_counts c = InitCounts();
    EXPECT_EQ(c.usable, pmem_arena_usable_pages());
    EXPECT_EQ(c.reserved, 1u) << "page 0";
    EXPECT_EQ(c.kernel_image, 4u);
    EXPECT_EQ(c.modules, 2u);
    EXPECT_EQ(c.boot_data, 2u) << "the command line and the module name";
    EXPECT_EQ(c.page_structs, 1u) << "63 pages of span * 16 bytes";
    EXPECT_EQ(c.free, 50u);
    EXPECT_EQ(c.free + c.kernel_image + c.page_structs + c.modules + c.boot_data + c.reserved,
              c.usable);
}

TEST_F(PmemTest, EveryFreePageIsManagedAndFree)
{
    EXPECT_EQ(pmem_free_pages(), InitCounts().free);
    EXPECT_EQ(pmem_total_pages(), InitCounts().free);
}

TEST_F(PmemTest, PageArrayTakesTheLowestPlaceItFits)
{
    EXPECT_EQ(InitCounts().page_structs_paddr, Page(1)) << "page 0 is excluded, page 1 is free";
}

TEST_F(PmemTest, InitAgainStartsOverWithEveryPageFree)
{
    std::vector<paddr_t> pages = AllocateAllPages();
    ASSERT_FALSE(pages.empty());
    ReinitPmem();
    EXPECT_EQ(pmem_free_pages(), InitCounts().free);
}

TEST_F(PmemTest, OverlappingUsableRangesCountTheirPagesOnce)
{
    struct boot_info *info = pmem_arena_boot_info();
    info->mem_ranges[info->num_mem_ranges++] = {Page(20), Page(10), MEM_USABLE};
    ReinitPmem();
    EXPECT_EQ(InitCounts().usable, pmem_arena_usable_pages());
    EXPECT_EQ(pmem_free_pages(), 50u);
}

TEST_F(PmemTest, UsablePagesAlsoListedAsReservedAreNeverHandedOut)
{
    struct boot_info *info = pmem_arena_boot_info();
    info->mem_ranges[info->num_mem_ranges++] = {Page(20) + 0x10, Page(2), MEM_ACPI_NVS};
    ReinitPmem();
    EXPECT_EQ(InitCounts().reserved, 1u + 3u) << "page 0, and pages 20..22";
    EXPECT_EQ(pmem_free_pages(), 47u);
    std::vector<paddr_t> pages = AllocateAllPages();
    for (paddr_t p : pages) {
        EXPECT_TRUE(p < Page(20) || p >= Page(23)) << Hex(p);
    }
    FreePages(pages);
}

class PmemBigArenaTest : public PmemTest {
  protected:
    // 1023 pages of span need 4 pages of struct pages: more than the 3 free
    // pages below the hole.
    PmemBigArenaTest() : PmemTest(1024)
    {
    }
};

TEST_F(PmemBigArenaTest, PageArrayTooBigForLowMemorySkipsToTheFirstGapThatFits)
{
    struct pmem_init_counts c = InitCounts();
    EXPECT_EQ(c.page_structs, 4u);
    // Pages 7 .. 15 are broken up by the kernel image, the command line, the
    // module and its name; 16 .. 19 is the first free stretch of 4.
    EXPECT_EQ(c.page_structs_paddr, Page(16));
    EXPECT_EQ(c.free, pmem_arena_usable_pages() - 1 - 4 - 2 - 2 - 4);
}

TEST_F(PmemBigArenaTest, PagesHandedOutAvoidTheRelocatedPageArray)
{
    std::vector<paddr_t> pages = AllocateAllPages();
    EXPECT_EQ(pages.size(), baseline_free_pages());
    for (paddr_t p : pages) {
        EXPECT_TRUE(p < Page(16) || p >= Page(20)) << Hex(p);
    }
    FreePages(pages);
}

TEST_F(PmemTest, AllocatingEverythingEndsInNomemAndFreeingRestoresTheCount)
{
    std::vector<paddr_t> pages = AllocateAllPages();
    EXPECT_EQ(pages.size(), baseline_free_pages());
    EXPECT_EQ(pmem_free_pages(), 0u);
    EXPECT_EQ(pmem_total_pages(), baseline_free_pages());

    paddr_t untouched = 0x1234;
    EXPECT_EQ(pmem_alloc(&untouched), ERR_NOMEM);
    EXPECT_EQ(untouched, 0x1234u) << "a failed pmem_alloc must not write its output";

    FreePages(pages);
    EXPECT_EQ(pmem_free_pages(), baseline_free_pages());
}

TEST_F(PmemTest, PagesAreDistinctAlignedAndWholeUsablePages)
{
    std::vector<paddr_t> pages = AllocateAllPages();
    std::set<paddr_t> distinct(pages.begin(), pages.end());
    EXPECT_EQ(distinct.size(), pages.size());
    for (paddr_t p : pages) {
        EXPECT_TRUE(pg_aligned(p)) << Hex(p);
        EXPECT_TRUE(InWholeUsablePage(pmem_arena_boot_info(), p)) << Hex(p);
    }
    FreePages(pages);
}

TEST_F(PmemTest, ExcludedRangesAreNeverHandedOut)
{
    std::vector<Range> excluded = ExcludedRanges(pmem_arena_boot_info());
    std::vector<paddr_t> pages = AllocateAllPages();
    for (paddr_t p : pages) {
        for (const Range &r : excluded) {
            EXPECT_FALSE(p >= r.start && p < r.end)
                << Hex(p) << " lies in excluded [" << Hex(r.start) << ", " << Hex(r.end) << ")";
        }
    }
    FreePages(pages);
}

TEST_F(PmemTest, FillingEveryPageDisturbsNoOtherPageNorPmem)
{
    std::vector<paddr_t> pages = AllocateAllPages();
    for (paddr_t p : pages) {
        std::memset(kmap_p2v(p), static_cast<int>(p / PAGE_SIZE), PAGE_SIZE);
    }
    for (paddr_t p : pages) {
        const unsigned char *bytes = static_cast<unsigned char *>(kmap_p2v(p));
        for (size_t i = 0; i < PAGE_SIZE; i++) {
            ASSERT_EQ(bytes[i], static_cast<unsigned char>(p / PAGE_SIZE)) << Hex(p) << "+" << i;
        }
    }
    // pmem's own structures survived: every page frees cleanly.
    FreePages(pages);
}

TEST_F(PmemTest, FirstAllocationsComeInAscendingAddressOrder)
{
    std::vector<paddr_t> pages = AllocateAllPages();
    EXPECT_TRUE(std::is_sorted(pages.begin(), pages.end()));
    EXPECT_EQ(pages.front(), Page(2)) << "page 0 is excluded and page 1 holds the struct pages";
    FreePages(pages);
}

TEST_F(PmemTest, FreedPagesAreHandedOutAgain)
{
    std::vector<paddr_t> first = AllocateAllPages();
    FreePages(first);
    std::vector<paddr_t> second = AllocateAllPages();
    EXPECT_EQ(std::set<paddr_t>(first.begin(), first.end()),
              std::set<paddr_t>(second.begin(), second.end()));
    FreePages(second);
}

TEST_F(PmemTest, AFreedPageIsTheNextOneHandedOut)
{
    paddr_t a, b, again;
    ASSERT_EQ(pmem_alloc(&a), ERR_OK);
    ASSERT_EQ(pmem_alloc(&b), ERR_OK);
    pmem_free(a);
    ASSERT_EQ(pmem_alloc(&again), ERR_OK);
    EXPECT_EQ(again, a);
    pmem_free(again);
    pmem_free(b);
}

TEST_F(PmemTest, NewPageHasRefcountOne)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    EXPECT_EQ(paddr_to_page(p)->refcount, 1);
    EXPECT_EQ(pmem_free_pages(), baseline_free_pages() - 1);
    pmem_free(p);
}

TEST_F(PmemTest, IncAndDecMoveTheCountAndKeepThePageAllocated)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    pmem_inc_refcnt(p);
    pmem_inc_refcnt(p);
    EXPECT_EQ(paddr_to_page(p)->refcount, 3);
    pmem_dec_refcnt(p);
    pmem_dec_refcnt(p);
    EXPECT_EQ(paddr_to_page(p)->refcount, 1);
    EXPECT_EQ(pmem_free_pages(), baseline_free_pages() - 1);
    pmem_free(p);
}

TEST_F(PmemTest, RefcountsOfASharedPageChangeWithoutTurningInterruptsOff)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    int disables = fake_intr_disable_count();
    pmem_inc_refcnt(p);
    EXPECT_EQ(pmem_refcount(p), 2);
    pmem_dec_refcnt(p);
    EXPECT_EQ(fake_intr_disable_count(), disables);
    pmem_free(p);
}

TEST_F(PmemTest, DecToZeroFreesThePage)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    pmem_inc_refcnt(p);
    pmem_dec_refcnt(p);
    pmem_dec_refcnt(p);
    EXPECT_EQ(paddr_to_page(p)->refcount, 0);
    EXPECT_EQ(pmem_free_pages(), baseline_free_pages());
}

TEST_F(PmemTest, ReferenceChangesMadeAtOnceOnSeveralCpusAllCount)
{
    // Several CPUs sharing a page (processes on each, faulting on it) raise
    // and drop its count at the same moment. Each thread here keeps a
    // reference of its own while it works, so the count never reaches 0
    // (which would take pmem's lock, whose interrupt flag is one per
    // process on the host).
    constexpr int kThreads = 4;
    constexpr int kRounds = 200000;
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    for (int i = 0; i < kThreads; i++) {
        pmem_inc_refcnt(p);
    }
    std::atomic<bool> go{false};
    std::vector<std::thread> cpus;
    for (int i = 0; i < kThreads; i++) {
        cpus.emplace_back([&] {
            while (!go) {
            }
            for (int round = 0; round < kRounds; round++) {
                pmem_inc_refcnt(p);
                pmem_dec_refcnt(p);
            }
            pmem_dec_refcnt(p);
        });
    }
    go = true;
    for (std::thread &cpu : cpus) {
        cpu.join();
    }
    ASSERT_EQ(pmem_refcount(p), 1) << "a change made at the same moment as another was lost";
    pmem_free(p);
}

TEST_F(PmemTest, AnyAddressInsideAPageNamesIt)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    struct page *page = paddr_to_page(p);
    EXPECT_EQ(paddr_to_page(p + 1), page);
    EXPECT_EQ(paddr_to_page(p + PAGE_SIZE - 1), page);
    pmem_free(p);
}

TEST_F(PmemTest, AnyAddressInsideAPageFreesIt)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    pmem_free(p + 0x123);
    EXPECT_EQ(paddr_to_page(p)->refcount, 0);
}

TEST_F(PmemTest, PageStateTellsUnmanagedFreeAndAllocatedWithoutPanicking)
{
    for (paddr_t p : {Page(0), Page(1), Page(5), Page(9) + 0x10, Page(63), Page(64),
                      paddr_t{0xfd00000000}, ~paddr_t{0}}) {
        EXPECT_EQ(pmem_page_state(p), PMEM_PAGE_UNMANAGED) << Hex(p);
    }
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    EXPECT_EQ(pmem_page_state(p), PMEM_PAGE_ALLOCATED);
    EXPECT_EQ(pmem_page_state(p + PAGE_SIZE - 1), PMEM_PAGE_ALLOCATED);
    pmem_inc_refcnt(p);
    EXPECT_EQ(pmem_page_state(p), PMEM_PAGE_ALLOCATED);
    pmem_dec_refcnt(p);
    pmem_free(p);
    EXPECT_EQ(pmem_page_state(p), PMEM_PAGE_FREE);
}

TEST_F(PmemTest, PageIndexesAreDistinctAndBelowTheLimit)
{
    std::vector<paddr_t> pages = AllocateAllPages();
    std::set<size_t> seen;
    for (paddr_t p : pages) {
        size_t index = pmem_page_index(p + 0x42);
        EXPECT_LT(index, pmem_page_index_limit());
        EXPECT_TRUE(seen.insert(index).second) << "index " << index << " given twice";
    }
    EXPECT_EQ(seen.size(), baseline_free_pages());
    FreePages(pages);
}

TEST_F(PmemTest, CensusAddsUpAfterAllocationsAndFrees)
{
    paddr_t a, b;
    ASSERT_EQ(pmem_alloc(&a), ERR_OK);
    ASSERT_EQ(pmem_alloc(&b), ERR_OK);
    pmem_inc_refcnt(b);
    struct pmem_census c;
    pmem_take_census(&c);
    EXPECT_EQ(c.total, pmem_total_pages());
    EXPECT_EQ(c.free, baseline_free_pages() - 2);
    EXPECT_EQ(c.listed, c.free);
    EXPECT_EQ(c.zero_refcount, c.free);
    EXPECT_EQ(c.listed_bad, 0u);
    EXPECT_EQ(c.allocated, 2u);
    EXPECT_EQ(c.zero_refcount + c.allocated, c.total);
    pmem_dec_refcnt(b);
    pmem_dec_refcnt(b);
    pmem_free(a);
}

TEST_F(PmemTest, CensusSeesCorruptedRefcountsAndFreeList)
{
    // A free page someone gave a count: the list holds a page that is not free.
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    pmem_free(p);  // now at the head of the free list
    struct page *page = paddr_to_page(p);
    page->refcount = 1;
    struct pmem_census c;
    pmem_take_census(&c);
    EXPECT_EQ(c.listed_bad, 1u);
    EXPECT_EQ(c.zero_refcount, c.free - 1);
    page->refcount = 0;

    // A free-list link into the middle of nowhere, then a cycle.
    struct page *saved = page->next_free;
    struct page outsider = {};
    page->next_free = &outsider;
    pmem_take_census(&c);
    EXPECT_EQ(c.listed_bad, 1u);
    EXPECT_EQ(c.listed, 1u);
    page->next_free = page;
    pmem_take_census(&c);
    EXPECT_EQ(c.listed_bad, 1u);
    page->next_free = saved;
    pmem_take_census(&c);
    EXPECT_EQ(c.listed_bad, 0u);
    EXPECT_EQ(c.listed, c.free);
}

using PmemDeathTest = PmemTest;

TEST_F(PmemDeathTest, FreeingAFreePagePanicsWithItsAddress)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    pmem_free(p);
    EXPECT_DEATH(pmem_free(p), "pmem_free: page " + Hex(p) + " is not allocated");
}

TEST_F(PmemDeathTest, FreeingASharedPagePanicsWithItsAddress)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    pmem_inc_refcnt(p);
    EXPECT_DEATH(pmem_free(p), "pmem_free: page " + Hex(p) + " is shared \\(refcount 2\\)");
    pmem_dec_refcnt(p);
    pmem_dec_refcnt(p);
}

TEST_F(PmemDeathTest, RefcountBelowZeroPanicsWithTheAddress)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    pmem_dec_refcnt(p);
    EXPECT_DEATH(pmem_dec_refcnt(p), "pmem_dec_refcnt: page " + Hex(p) + " is free");
}

TEST_F(PmemDeathTest, RaisingAFreePagesCountPanicsWithTheAddress)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    pmem_free(p);
    EXPECT_DEATH(pmem_inc_refcnt(p), "pmem_inc_refcnt: page " + Hex(p) + " is free");
}

TEST_F(PmemDeathTest, AddressesPmemDoesNotManagePanicWithTheAddress)
{
    const paddr_t unmanaged[] = {
        Page(0),         // page 0
        Page(1),         // the struct page array
        Page(5),         // the reserved hole
        Page(6),         // partly usable: not a whole page
        Page(9) + 0x10,  // kernel image
        Page(12),        // command line
        Page(14),        // module
        Page(15),        // module name
        Page(63),        // last page, partly reserved
        Page(64),        // past the arena
        0xfd00000000,    // the far reserved range
        ~static_cast<paddr_t>(0),
    };
    for (paddr_t p : unmanaged) {
        EXPECT_DEATH(paddr_to_page(p), "paddr_to_page: " + Hex(p) + " is not an address pmem");
        EXPECT_DEATH(pmem_free(p), "pmem_free: " + Hex(p) + " is not an address pmem manages");
        EXPECT_DEATH(pmem_inc_refcnt(p), "pmem_inc_refcnt: " + Hex(p) + " is not");
        EXPECT_DEATH(pmem_dec_refcnt(p), "pmem_dec_refcnt: " + Hex(p) + " is not");
    }
}

TEST_F(PmemDeathTest, MapWithoutUsablePagesPanics)
{
    struct boot_info *info = pmem_arena_boot_info();
    for (size_t i = 0; i < info->num_mem_ranges; i++) {
        info->mem_ranges[i].type = MEM_RESERVED;
    }
    EXPECT_DEATH(pmem_init(info), "pmem_init: the memory map has no usable page");
}

TEST_F(PmemDeathTest, MapWithNoRoomForThePageArrayPanics)
{
    // Usable: pages 0..3 and pages 60..62, with everything between reserved.
    // The span is 63 pages, so the array needs 1 page; leave no whole page
    // free by making page 1..3 a module and 60..62 part of the kernel image.
    struct boot_info *info = pmem_arena_boot_info();
    info->num_mem_ranges = 0;
    info->mem_ranges[info->num_mem_ranges++] = {Page(0), Page(4), MEM_USABLE};
    info->mem_ranges[info->num_mem_ranges++] = {Page(4), Page(56), MEM_RESERVED};
    info->mem_ranges[info->num_mem_ranges++] = {Page(60), Page(3), MEM_USABLE};
    info->modules[0].start = Page(1);
    info->modules[0].end = Page(4);
    info->kernel_start = Page(60);
    info->kernel_end = Page(63);
    EXPECT_DEATH(pmem_init(info), "pmem_init: no usable stretch holds the page array");
}

}  // namespace
