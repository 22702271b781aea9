// Host tests for address spaces and memory regions (kernel/mm/vm.c), on a
// host arena of physical memory and the fake page table (testing/fake_vpmap),
// or the real x86_64 tables in vm_test_x86_64.
// Most tests start from the process VmFixture builds (testing/vm_fixture.h):
// code, data, an empty heap and a stack with its top page mapped.
//
// Criteria checked:
//  1. Regions stay sorted by start whatever the insertion order; a new region
//     maps nothing.
//  2. A region overlapping another is ERR_VM_OVERLAP; adjacent ones are fine.
//  3. The guard gap below the stack is never covered: not by a region added
//     after the stack, not by a stack added above a region, not by the heap.
//  4. Regions outside [USER_REGION_MIN, USTACK_UPPERBOUND), or whose end
//     wraps around, are ERR_VM_BOUND; unaligned ones, and empty ones other
//     than the heap, are ERR_INVAL. A refused region changes nothing.
//  5. as_find_memregion: start is inside, end is outside, an empty heap
//     contains nothing.
//  6. as_map_stack adds the stack region and maps exactly its top page, zeroed.
//  7. sbrk(n > 0) returns the old break and maps nothing (the heap is lazy);
//     sbrk(0) reports the break; sbrk(-n) unmaps exactly the pages wholly
//     above the new break, dropping one reference each (freeing pages nobody
//     else maps) and flushing each from the TLB; a decrease past the heap
//     start is sbrk(0); growth into another region or the stack guard, or by
//     INT64_MAX, is ERR_NOMEM and changes nothing; INT64_MIN is sbrk(0).
//     A shrink gives back the page tables its pages needed: the count and
//     pmem's free pages return to where they were before the growth.
//  8. memregion_extend grows without mapping, refuses overlap (ERR_VM_OVERLAP),
//     the top of the user half (ERR_VM_BOUND) and ends below the start
//     (ERR_INVAL), and shrinking unmaps, frees and flushes.
//  9. Copy-on-write fork: the same regions, break and page count; every mapped
//     page shared with one more reference; pages of writable regions
//     read-only in both (the parent's TLB flushed for each); pages of
//     read-only regions shared as they are; no page allocated.
// 10. Eager fork: every mapped page copied (new frames, same bytes, the
//     region's permission), the parent untouched.
// 11. Fork out of memory (page tables at every possible point, physical pages
//     for an eager copy at every possible point) is ERR_NOMEM and releases
//     everything it took: free pages, references, page tables. The parent
//     keeps its pages; those left read-only are written in place afterwards.
// 12. as_destroy releases every page and table the address space held.
// 13. Throughout, pages_mapped equals the pages the page table maps, no page
//     has more permission than its region, and every refcount equals the
//     number of mappings of its page (the fixture checks after every test).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "testing/vm_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/mm/memperm.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/vm.h"
}

namespace {

class VmTest : public VmFixture {
  protected:
    static std::vector<vaddr_t> RegionStarts(struct addrspace *as)
    {
        std::vector<vaddr_t> starts;
        for (struct memregion *r = as->regions; r != nullptr; r = r->next) {
            starts.push_back(r->start);
        }
        return starts;
    }

    static size_t RegionCount(struct addrspace *as)
    {
        return RegionStarts(as).size();
    }

    struct memregion *Region(vaddr_t va)
    {
        struct memregion *r = as_find_memregion(as_, va);
        EXPECT_NE(r, nullptr) << "no region at " << Hex(va);
        return r;
    }

    // Moves the break by `increment`, expecting success; returns the old break.
    vaddr_t Sbrk(int64_t increment)
    {
        vaddr_t old_brk = 0;
        EXPECT_EQ(as_sbrk(as_, increment, &old_brk), ERR_OK) << "sbrk(" << increment << ")";
        return old_brk;
    }

    // Writes to each page of [start, end) as the process would.
    void WriteEachPage(vaddr_t start, vaddr_t end)
    {
        for (vaddr_t va = start; va < end; va += PAGE_SIZE) {
            std::optional<enum fault_verdict> verdict = Touch(va, kWrite);
            EXPECT_TRUE(verdict == kNoFault || verdict == FAULT_RESOLVED) << Hex(va);
        }
    }
};

constexpr vaddr_t kPage = PAGE_SIZE;

// --- Regions ---------------------------------------------------------------

TEST_F(VmTest, RegionsAreKeptSortedByStart)
{
    struct addrspace *as = NewAddrspace();
    for (vaddr_t start : {0x800000ull, 0x400000ull, 0x1000000ull, 0x600000ull}) {
        ASSERT_EQ(as_map_memregion(as, start, kPage, MEMPERM_UR, MEMREGION_DATA, nullptr), ERR_OK);
    }
    ASSERT_EQ(as_map_heap(as, 0x700000), ERR_OK);

    EXPECT_EQ(RegionStarts(as),
              (std::vector<vaddr_t>{0x400000, 0x600000, 0x700000, 0x800000, 0x1000000}));
}

TEST_F(VmTest, NewRegionIsRecordedAndMapsNothing)
{
    struct addrspace *as = NewAddrspace();
    struct memregion *r = nullptr;

    ASSERT_EQ(as_map_memregion(as, 0x600000, 3 * kPage, MEMPERM_URW, MEMREGION_DATA, &r), ERR_OK);

    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->start, 0x600000u);
    EXPECT_EQ(r->end, 0x603000u);
    EXPECT_EQ(r->perm, MEMPERM_URW);
    EXPECT_EQ(r->kind, MEMREGION_DATA);
    EXPECT_EQ(r->as, as);
    EXPECT_EQ(as->regions, r);
    EXPECT_EQ(MappedPages(as), 0u);
    EXPECT_EQ(as->pages_mapped, 0u);
}

TEST_F(VmTest, OverlappingRegionIsRefused)
{
    struct addrspace *as = NewAddrspace();
    ASSERT_EQ(as_map_memregion(as, 0x600000, 8 * kPage, MEMPERM_UR, MEMREGION_DATA, nullptr),
              ERR_OK);
    struct {
        vaddr_t start;
        size_t size;
        enum memregion_kind kind;
    } overlapping[] = {
        {0x5ff000, 2 * kPage, MEMREGION_DATA},  // over the start
        {0x607000, 2 * kPage, MEMREGION_DATA},  // over the end
        {0x5f0000, 0x20000, MEMREGION_DATA},    // around it
        {0x602000, kPage, MEMREGION_DATA},      // inside it
        {0x600000, 8 * kPage, MEMREGION_DATA},  // the same range
        {0x604000, 0, MEMREGION_HEAP},          // an empty heap inside it
        {0x600000, 0, MEMREGION_HEAP},          // an empty heap at its start
        {0x608000, kPage, MEMREGION_STACK},     // a stack whose guard is its last page
    };
    for (const auto &c : overlapping) {
        EXPECT_EQ(as_map_memregion(as, c.start, c.size, MEMPERM_URW, c.kind, nullptr),
                  ERR_VM_OVERLAP)
            << Hex(c.start) << " + " << Hex(c.size);
    }
    EXPECT_EQ(RegionCount(as), 1u);

    // Adjacent regions, an empty heap at the end of a region, and a stack
    // whose guard gap starts right there, are fine.
    const vaddr_t stack = 0x608000 + USTACK_GUARD_PAGES * kPage;
    EXPECT_EQ(as_map_memregion(as, 0x5ff000, kPage, MEMPERM_UR, MEMREGION_DATA, nullptr), ERR_OK);
    EXPECT_EQ(as_map_memregion(as, 0x608000, 0, MEMPERM_URW, MEMREGION_HEAP, nullptr), ERR_OK);
    EXPECT_EQ(as_map_memregion(as, stack, kPage, MEMPERM_URW, MEMREGION_STACK, nullptr), ERR_OK);
    EXPECT_EQ(RegionStarts(as), (std::vector<vaddr_t>{0x5ff000, 0x600000, 0x608000, stack}));
}

TEST_F(VmTest, RegionOverTheStackGuardIsRefused)
{
    EXPECT_EQ(as_map_memregion(as_, kGuard, kPage, MEMPERM_URW, MEMREGION_DATA, nullptr),
              ERR_VM_OVERLAP);
    EXPECT_EQ(
        as_map_memregion(as_, kGuard - kPage, 2 * kPage, MEMPERM_URW, MEMREGION_DATA, nullptr),
        ERR_VM_OVERLAP);
    EXPECT_EQ(as_map_memregion(as_, kGuard, 0, MEMPERM_URW, MEMREGION_HEAP, nullptr),
              ERR_VM_OVERLAP);
    EXPECT_EQ(RegionCount(as_), 4u);

    // Right below the guard is allowed.
    EXPECT_EQ(as_map_memregion(as_, kGuard - kPage, kPage, MEMPERM_URW, MEMREGION_DATA, nullptr),
              ERR_OK);
}

TEST_F(VmTest, StackWhoseGuardWouldBeCoveredIsRefused)
{
    struct addrspace *as = NewAddrspace();
    ASSERT_EQ(as_map_memregion(as, kGuard - kPage, 2 * kPage, MEMPERM_URW, MEMREGION_DATA, nullptr),
              ERR_OK);

    EXPECT_EQ(as_map_stack(as), ERR_VM_OVERLAP);

    EXPECT_EQ(as->stack, nullptr);
    EXPECT_EQ(RegionCount(as), 1u);
    EXPECT_EQ(MappedPages(as), 0u);
}

TEST_F(VmTest, HeapGrowthStopsBelowTheStackGuard)
{
    vaddr_t old_brk;
    EXPECT_EQ(as_sbrk(as_, kGuard - kHeapStart + 1, &old_brk), ERR_NOMEM);
    EXPECT_EQ(as_->brk, kHeapStart);
    EXPECT_EQ(as_->heap->end, kHeapStart);

    EXPECT_EQ(Sbrk(kGuard - kHeapStart), kHeapStart);
    EXPECT_EQ(as_->heap->end, kGuard);

    EXPECT_EQ(as_sbrk(as_, 1, &old_brk), ERR_NOMEM);
    EXPECT_EQ(as_->brk, kGuard);
    EXPECT_EQ(as_->heap->end, kGuard);
    EXPECT_EQ(MappedPages(as_), kLoadedPages);
}

TEST_F(VmTest, HeapStartingAtTheGuardOfALaterStackCannotGrowIntoIt)
{
    struct addrspace *as = NewAddrspace();
    ASSERT_EQ(as_map_heap(as, kGuard), ERR_OK);

    // Refusing the stack would be fine too; accepting it must leave the heap
    // unable to grow over the guard.
    err_t err = as_map_stack(as);
    if (err != ERR_OK) {
        EXPECT_EQ(err, ERR_VM_OVERLAP);
        return;
    }
    vaddr_t old_brk;
    EXPECT_EQ(as_sbrk(as, 1, &old_brk), ERR_NOMEM);
    EXPECT_EQ(as->brk, kGuard);
    EXPECT_EQ(as->heap->end, kGuard);
}

TEST_F(VmTest, RegionOutsideTheUserRangeIsRefused)
{
    struct addrspace *as = NewAddrspace();
    struct {
        vaddr_t start;
        size_t size;
        enum memregion_kind kind;
    } outside[] = {
        {0, kPage, MEMREGION_DATA},                              // NULL
        {USER_REGION_MIN - kPage, 2 * kPage, MEMREGION_DATA},    // starts too low
        {USER_REGION_MIN, kPage, MEMREGION_STACK},               // its guard is too low
        {USTACK_UPPERBOUND - kPage, 2 * kPage, MEMREGION_DATA},  // ends too high
        {USTACK_UPPERBOUND, kPage, MEMREGION_DATA},              // the page above the stack
        {VPMAP_USER_TOP, kPage, MEMREGION_DATA},                 // past the user half
        {0xffff800000000000ull, kPage, MEMREGION_DATA},          // the kernel half
        {0, 0, MEMREGION_HEAP},                                  // an empty heap at NULL
        {USTACK_UPPERBOUND, 0, MEMREGION_HEAP},                  // an empty heap at the top
    };
    for (const auto &c : outside) {
        EXPECT_EQ(as_map_memregion(as, c.start, c.size, MEMPERM_URW, c.kind, nullptr), ERR_VM_BOUND)
            << Hex(c.start) << " + " << Hex(c.size);
    }
    EXPECT_EQ(RegionCount(as), 0u);
}

TEST_F(VmTest, RegionWrappingAroundIsRefused)
{
    struct addrspace *as = NewAddrspace();

    EXPECT_EQ(
        as_map_memregion(as, USER_REGION_MIN, 0 - kPage, MEMPERM_URW, MEMREGION_DATA, nullptr),
        ERR_VM_BOUND);
    EXPECT_EQ(as_map_memregion(as, 0x10000000, 0 - 0x10000000 + kPage, MEMPERM_URW, MEMREGION_DATA,
                               nullptr),
              ERR_VM_BOUND);
    EXPECT_EQ(RegionCount(as), 0u);
}

TEST_F(VmTest, UnalignedOrEmptyRegionIsRefused)
{
    struct addrspace *as = NewAddrspace();

    EXPECT_EQ(as_map_memregion(as, 0x400001, kPage, MEMPERM_UR, MEMREGION_DATA, nullptr),
              ERR_INVAL);
    EXPECT_EQ(as_map_memregion(as, 0x400000, 100, MEMPERM_UR, MEMREGION_DATA, nullptr), ERR_INVAL);
    for (enum memregion_kind kind : {MEMREGION_CODE, MEMREGION_DATA, MEMREGION_STACK}) {
        EXPECT_EQ(as_map_memregion(as, 0x600000, 0, MEMPERM_URW, kind, nullptr), ERR_INVAL)
            << "kind " << kind;
    }
    EXPECT_EQ(as_map_heap(as, 0x400800), ERR_INVAL);
    EXPECT_EQ(as->heap, nullptr);
    EXPECT_EQ(RegionCount(as), 0u);

    // Only the heap may be empty.
    EXPECT_EQ(as_map_heap(as, 0x400000), ERR_OK);
    EXPECT_EQ(as->brk, 0x400000u);
}

TEST_F(VmTest, FindMemregionIncludesTheStartAndExcludesTheEnd)
{
    struct memregion *code = as_find_memregion(as_, kCodeStart);
    struct memregion *data = as_find_memregion(as_, kDataStart);
    struct memregion *stack = as_find_memregion(as_, kStackStart);
    ASSERT_NE(code, nullptr);
    ASSERT_NE(data, nullptr);
    ASSERT_EQ(stack, as_->stack);
    EXPECT_EQ(code->kind, MEMREGION_CODE);
    EXPECT_EQ(data->kind, MEMREGION_DATA);

    EXPECT_EQ(as_find_memregion(as_, 0), nullptr);
    EXPECT_EQ(as_find_memregion(as_, kCodeStart - 1), nullptr);
    EXPECT_EQ(as_find_memregion(as_, kDataStart - 1), code);
    EXPECT_EQ(as_find_memregion(as_, kHeapStart - 1), data);
    EXPECT_EQ(as_find_memregion(as_, kHeapStart), nullptr) << "an empty heap contains nothing";
    EXPECT_EQ(as_find_memregion(as_, kGuard), nullptr);
    EXPECT_EQ(as_find_memregion(as_, kStackStart - 1), nullptr);
    EXPECT_EQ(as_find_memregion(as_, kStackTop - 1), stack);
    EXPECT_EQ(as_find_memregion(as_, kStackTop), nullptr);

    Sbrk(1);
    EXPECT_EQ(as_find_memregion(as_, kHeapStart), as_->heap);
    EXPECT_EQ(as_find_memregion(as_, kHeapStart + kPage - 1), as_->heap);
    EXPECT_EQ(as_find_memregion(as_, kHeapStart + kPage), nullptr);
}

TEST_F(VmTest, MapStackMapsExactlyTheTopPageZeroed)
{
    struct addrspace *as = NewAddrspace();
    size_t free_before = pmem_free_pages();

    ASSERT_EQ(as_map_stack(as), ERR_OK);

    ASSERT_NE(as->stack, nullptr);
    EXPECT_EQ(as->stack->start, kStackStart);
    EXPECT_EQ(as->stack->end, kStackTop);
    EXPECT_EQ(as->stack->perm, MEMPERM_URW);
    EXPECT_EQ(as->stack->kind, MEMREGION_STACK);
    ASSERT_EQ(MappedPages(as), 1u);
    std::optional<FakeTranslation> top = Mapping(as, kStackTopPage);
    ASSERT_TRUE(top);
    EXPECT_EQ(top->perm, MEMPERM_URW);
    EXPECT_TRUE(PageHolds(as, kStackTopPage, 0));
    EXPECT_EQ(Refcount(top->paddr), 1);
    EXPECT_EQ(as->pages_mapped, 1u);
    // The page, and a PDPT, a PD and a PT to map it under the root.
    EXPECT_EQ(vpmap_table_pages(as->vpmap), 1u + 3);
    EXPECT_EQ(pmem_free_pages(), free_before - 1 - 3);
}

// --- sbrk --------------------------------------------------------------------

TEST_F(VmTest, SbrkIncrementReturnsTheOldBreakAndMapsNothing)
{
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Sbrk(100), kHeapStart);
    EXPECT_EQ(as_->brk, kHeapStart + 100);
    EXPECT_EQ(as_->heap->end, kHeapStart + kPage);

    EXPECT_EQ(Sbrk(5000), kHeapStart + 100);
    EXPECT_EQ(as_->brk, kHeapStart + 5100);
    EXPECT_EQ(as_->heap->end, kHeapStart + 2 * kPage);

    EXPECT_EQ(MappedPages(as_), kLoadedPages) << "the heap is lazy";
    EXPECT_EQ(as_->pages_mapped, kLoadedPages);
    EXPECT_EQ(pmem_free_pages(), free_before);
}

TEST_F(VmTest, SbrkZeroReportsTheBreakAndChangesNothing)
{
    Sbrk(100);

    EXPECT_EQ(Sbrk(0), kHeapStart + 100);

    EXPECT_EQ(as_->brk, kHeapStart + 100);
    EXPECT_EQ(as_->heap->end, kHeapStart + kPage);
}

TEST_F(VmTest, SbrkDecrementFreesExactlyThePagesWhollyAboveTheNewBreak)
{
    Sbrk(3 * kPage + 100);
    WriteEachPage(kHeapStart, kHeapStart + 4 * kPage);
    std::vector<paddr_t> frames;
    for (int i = 0; i < 4; i++) {
        frames.push_back(Frame(as_, kHeapStart + i * kPage));
    }
    Flushes(as_);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Sbrk(-static_cast<int64_t>(2 * kPage + 200)), kHeapStart + 3 * kPage + 100);

    // The new break, kHeapStart + kPage - 100, lies in the first page: it stays.
    EXPECT_EQ(as_->brk, kHeapStart + kPage - 100);
    EXPECT_EQ(as_->heap->end, kHeapStart + kPage);
    EXPECT_TRUE(Mapping(as_, kHeapStart));
    EXPECT_EQ(Refcount(frames[0]), 1);
    for (int i = 1; i < 4; i++) {
        EXPECT_FALSE(Mapping(as_, kHeapStart + i * kPage)) << "page " << i;
        EXPECT_EQ(Refcount(frames[i]), 0) << "page " << i << " is not freed";
    }
    EXPECT_EQ(pmem_free_pages(), free_before + 3);
    EXPECT_EQ(as_->pages_mapped, kLoadedPages + 1);
    EXPECT_EQ(Flushes(as_), (std::vector<vaddr_t>{kHeapStart + kPage, kHeapStart + 2 * kPage,
                                                  kHeapStart + 3 * kPage}));
}

TEST_F(VmTest, SbrkDecrementToAPageBoundaryFreesThePageAtTheBreak)
{
    Sbrk(2 * kPage);
    WriteEachPage(kHeapStart, kHeapStart + 2 * kPage);
    Flushes(as_);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Sbrk(-static_cast<int64_t>(kPage)), kHeapStart + 2 * kPage);

    EXPECT_EQ(as_->brk, kHeapStart + kPage);
    EXPECT_TRUE(Mapping(as_, kHeapStart));
    EXPECT_FALSE(Mapping(as_, kHeapStart + kPage));
    EXPECT_EQ(pmem_free_pages(), free_before + 1);
    EXPECT_EQ(Flushes(as_), std::vector<vaddr_t>{kHeapStart + kPage});
}

TEST_F(VmTest, SbrkDecrementOfSharedPagesDropsOneReferenceEach)
{
    Sbrk(2 * kPage);
    WriteEachPage(kHeapStart, kHeapStart + 2 * kPage);
    paddr_t frame0 = Frame(as_, kHeapStart);
    paddr_t frame1 = Frame(as_, kHeapStart + kPage);
    struct addrspace *child = Fork(as_);
    Flushes(as_);
    size_t free_before = pmem_free_pages();

    Sbrk(-static_cast<int64_t>(2 * kPage));

    EXPECT_FALSE(Mapping(as_, kHeapStart));
    EXPECT_FALSE(Mapping(as_, kHeapStart + kPage));
    EXPECT_EQ(Refcount(frame0), 1) << "the child still maps it";
    EXPECT_EQ(Refcount(frame1), 1) << "the child still maps it";
    EXPECT_EQ(Frame(child, kHeapStart), frame0);
    EXPECT_EQ(Frame(child, kHeapStart + kPage), frame1);
    EXPECT_EQ(pmem_free_pages(), free_before) << "shared pages are not freed";
    EXPECT_EQ(Flushes(as_), (std::vector<vaddr_t>{kHeapStart, kHeapStart + kPage}));
    EXPECT_EQ(as_->pages_mapped, kLoadedPages);
    EXPECT_EQ(child->pages_mapped, kLoadedPages + 2);
}

TEST_F(VmTest, SbrkDecrementToTheHeapStartEmptiesTheHeap)
{
    Sbrk(kPage + 10);
    WriteEachPage(kHeapStart, kHeapStart + 2 * kPage);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Sbrk(-static_cast<int64_t>(kPage + 10)), kHeapStart + kPage + 10);

    EXPECT_EQ(as_->brk, kHeapStart);
    EXPECT_EQ(as_->heap->end, kHeapStart);
    EXPECT_EQ(MappedPages(as_), kLoadedPages);
    EXPECT_EQ(pmem_free_pages(), free_before + 2);
}

TEST_F(VmTest, SbrkShrinkGivesBackThePageTables)
{
    // One page per 64 MiB over 2 GiB and more: a page table each (but for
    // the first, which shares the data's), and a directory per GiB reached.
    const vaddr_t stride = 64ull << 20;
    const size_t pages = 34;
    const size_t tables_before = vpmap_table_pages(as_->vpmap);
    const size_t free_before = pmem_free_pages();

    vaddr_t start = Sbrk(static_cast<int64_t>(pages * stride));
    ASSERT_EQ(start, kHeapStart);
    for (size_t i = 0; i < pages; i++) {
        ASSERT_EQ(Touch(start + i * stride, kWrite), FAULT_RESOLVED);
    }
    const size_t tables_grown = vpmap_table_pages(as_->vpmap) - tables_before;
    EXPECT_EQ(tables_grown, (pages - 1) + 2) << "33 page tables, directories for GiB 1 and 2";
    EXPECT_EQ(pmem_free_pages(), free_before - pages - tables_grown);

    Sbrk(-static_cast<int64_t>(pages * stride));

    EXPECT_EQ(as_->pages_mapped, kLoadedPages);
    EXPECT_EQ(vpmap_table_pages(as_->vpmap), tables_before) << "the heap's tables are freed";
    EXPECT_EQ(pmem_free_pages(), free_before) << "every page and table page is back";
}

TEST_F(VmTest, SbrkDecrementPastTheHeapStartChangesNothing)
{
    Sbrk(kPage + 10);
    WriteEachPage(kHeapStart, kHeapStart + 2 * kPage);
    Flushes(as_);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Sbrk(-static_cast<int64_t>(kPage + 11)), kHeapStart + kPage + 10)
        << "behaves as sbrk(0): reports the break";

    EXPECT_EQ(as_->brk, kHeapStart + kPage + 10);
    EXPECT_EQ(as_->heap->end, kHeapStart + 2 * kPage);
    EXPECT_EQ(MappedPages(as_), kLoadedPages + 2);
    EXPECT_EQ(pmem_free_pages(), free_before);
    EXPECT_TRUE(Flushes(as_).empty());
}

TEST_F(VmTest, SbrkGrowthIntoAnotherRegionFailsAndChangesNothing)
{
    const vaddr_t next = kHeapStart + 4 * kPage;
    ASSERT_EQ(as_map_memregion(as_, next, kPage, MEMPERM_UR, MEMREGION_DATA, nullptr), ERR_OK);
    Sbrk(100);
    vaddr_t old_brk;

    EXPECT_EQ(as_sbrk(as_, 4 * kPage - 99, &old_brk), ERR_NOMEM);

    EXPECT_EQ(as_->brk, kHeapStart + 100);
    EXPECT_EQ(as_->heap->end, kHeapStart + kPage);

    // Up to the next region is fine.
    EXPECT_EQ(Sbrk(4 * kPage - 100), kHeapStart + 100);
    EXPECT_EQ(as_->heap->end, next);
    EXPECT_EQ(as_sbrk(as_, 1, &old_brk), ERR_NOMEM);
    EXPECT_EQ(as_->brk, next);
}

TEST_F(VmTest, SbrkOfInt64MaxFailsAndChangesNothing)
{
    Sbrk(100);
    vaddr_t old_brk;

    EXPECT_EQ(as_sbrk(as_, INT64_MAX, &old_brk), ERR_NOMEM);

    EXPECT_EQ(as_->brk, kHeapStart + 100);
    EXPECT_EQ(as_->heap->end, kHeapStart + kPage);
}

TEST_F(VmTest, SbrkOfInt64MinBehavesAsSbrkZero)
{
    Sbrk(100);

    EXPECT_EQ(Sbrk(INT64_MIN), kHeapStart + 100);

    EXPECT_EQ(as_->brk, kHeapStart + 100);
    EXPECT_EQ(as_->heap->end, kHeapStart + kPage);
}

// --- memregion_extend -------------------------------------------------------

TEST_F(VmTest, MemregionExtendGrowsUpToTheNextRegionWithoutMapping)
{
    struct addrspace *as = NewAddrspace();
    struct memregion *r;
    ASSERT_EQ(as_map_memregion(as, 0x600000, kPage, MEMPERM_URW, MEMREGION_DATA, &r), ERR_OK);
    ASSERT_EQ(as_map_memregion(as, 0x610000, kPage, MEMPERM_URW, MEMREGION_DATA, nullptr), ERR_OK);

    EXPECT_EQ(memregion_extend(r, 0x604000), ERR_OK);
    EXPECT_EQ(r->end, 0x604000u);
    EXPECT_EQ(memregion_extend(r, 0x611000), ERR_VM_OVERLAP);
    EXPECT_EQ(r->end, 0x604000u);
    EXPECT_EQ(memregion_extend(r, 0x610000), ERR_OK);
    EXPECT_EQ(r->end, 0x610000u);
    EXPECT_EQ(MappedPages(as), 0u);
}

TEST_F(VmTest, MemregionExtendRefusesTheUserTopAndEndsBelowTheStart)
{
    struct addrspace *as = NewAddrspace();
    struct memregion *r;
    const vaddr_t start = USTACK_UPPERBOUND - 4 * kPage;
    ASSERT_EQ(as_map_memregion(as, start, kPage, MEMPERM_URW, MEMREGION_DATA, &r), ERR_OK);

    EXPECT_EQ(memregion_extend(r, USTACK_UPPERBOUND + kPage), ERR_VM_BOUND);
    EXPECT_EQ(memregion_extend(r, start - kPage), ERR_INVAL);
    EXPECT_EQ(r->end, start + kPage);

    EXPECT_EQ(memregion_extend(r, USTACK_UPPERBOUND), ERR_OK);
    EXPECT_EQ(memregion_extend(r, start), ERR_OK) << "an empty region is a shrink, not an error";
    EXPECT_EQ(r->end, start);
}

TEST_F(VmTest, MemregionExtendShrinkingUnmapsFreesAndFlushes)
{
    ASSERT_EQ(Touch(kBss, kWrite), FAULT_RESOLVED);
    paddr_t bss = Frame(as_, kBss);
    Flushes(as_);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(memregion_extend(Region(kDataStart), kBss), ERR_OK);

    EXPECT_FALSE(Mapping(as_, kBss));
    EXPECT_TRUE(Mapping(as_, kDataStart));
    EXPECT_EQ(Refcount(bss), 0);
    EXPECT_EQ(pmem_free_pages(), free_before + 1);
    EXPECT_EQ(as_->pages_mapped, kLoadedPages);
    EXPECT_EQ(Flushes(as_), std::vector<vaddr_t>{kBss});
}

// --- fork ------------------------------------------------------------------

TEST_F(VmTest, CowForkCopiesRegionsBreakAndPageCount)
{
    Sbrk(100);

    struct addrspace *child = Fork(as_);

    ASSERT_NE(child, nullptr);
    struct memregion *p = as_->regions;
    struct memregion *c = child->regions;
    for (; p != nullptr && c != nullptr; p = p->next, c = c->next) {
        EXPECT_EQ(c->start, p->start);
        EXPECT_EQ(c->end, p->end);
        EXPECT_EQ(c->perm, p->perm);
        EXPECT_EQ(c->kind, p->kind);
        EXPECT_EQ(c->as, child);
    }
    EXPECT_EQ(p, nullptr);
    EXPECT_EQ(c, nullptr);
    ASSERT_NE(child->heap, nullptr);
    ASSERT_NE(child->stack, nullptr);
    EXPECT_EQ(child->heap->start, kHeapStart);
    EXPECT_EQ(child->heap->as, child);
    EXPECT_EQ(child->stack->start, kStackStart);
    EXPECT_EQ(child->stack->as, child);
    EXPECT_EQ(child->brk, kHeapStart + 100);
    EXPECT_EQ(child->pages_mapped, kLoadedPages);
    EXPECT_TRUE(StatsAre(child->stats, {}));
    EXPECT_EQ(vm_global_stats.pages_shared, kLoadedPages);
}

TEST_F(VmTest, CowForkSharesEveryMappedPageWithOneMoreReference)
{
    size_t free_before = pmem_free_pages();

    struct addrspace *child = Fork(as_);

    ASSERT_EQ(MappedPages(child), kLoadedPages);
    for (const auto &[va, m] : Mappings(as_)) {
        EXPECT_EQ(Frame(child, va), m.paddr) << Hex(va);
        EXPECT_EQ(Refcount(m.paddr), 2) << Hex(va);
    }
    EXPECT_EQ(vpmap_table_pages(child->vpmap), vpmap_table_pages(as_->vpmap))
        << "the same mappings need the same tables";
    EXPECT_EQ(pmem_free_pages(), free_before - vpmap_table_pages(child->vpmap))
        << "no page is copied: the child's page tables are all it takes";
}

TEST_F(VmTest, CowForkMakesWritablePagesReadOnlyInBoth)
{
    Sbrk(kPage);
    ASSERT_EQ(Touch(kHeapStart, kWrite), FAULT_RESOLVED);
    Flushes(as_);

    struct addrspace *child = Fork(as_);

    for (vaddr_t va : {kDataStart, kHeapStart, kStackTopPage}) {
        EXPECT_EQ(Mapping(as_, va)->perm, MEMPERM_UR) << Hex(va);
        EXPECT_EQ(Mapping(child, va)->perm, MEMPERM_UR) << Hex(va);
    }
    EXPECT_EQ(Flushes(as_), (std::vector<vaddr_t>{kDataStart, kHeapStart, kStackTopPage}))
        << "the parent's stale writable translations must go";
    EXPECT_EQ(Region(kDataStart)->perm, MEMPERM_URW) << "the region stays writable";
    EXPECT_EQ(as_find_memregion(child, kDataStart)->perm, MEMPERM_URW);
}

TEST_F(VmTest, CowForkSharesReadOnlyRegionsAsTheyAre)
{
    struct addrspace *child = Fork(as_);

    for (vaddr_t va : {kCodeStart, kCodeStart + kPage}) {
        EXPECT_EQ(Mapping(as_, va)->perm, MEMPERM_URX) << Hex(va);
        EXPECT_EQ(Mapping(child, va)->perm, MEMPERM_URX) << Hex(va);
        EXPECT_EQ(Frame(child, va), Frame(as_, va));
    }
    std::vector<vaddr_t> flushed = Flushes(as_);
    EXPECT_EQ(std::count(flushed.begin(), flushed.end(), kCodeStart), 0);
    EXPECT_EQ(std::count(flushed.begin(), flushed.end(), kCodeStart + kPage), 0);
}

TEST_F(VmTest, EagerForkCopiesEveryPage)
{
    size_t free_before = pmem_free_pages();

    struct addrspace *child = Fork(as_, kEager);

    ASSERT_EQ(MappedPages(child), kLoadedPages);
    for (const auto &[va, m] : Mappings(as_)) {
        std::optional<FakeTranslation> copy = Mapping(child, va);
        ASSERT_TRUE(copy) << Hex(va);
        EXPECT_NE(copy->paddr, m.paddr) << Hex(va);
        EXPECT_EQ(std::memcmp(kmap_p2v(copy->paddr), kmap_p2v(m.paddr), PAGE_SIZE), 0) << Hex(va);
        EXPECT_EQ(copy->perm, as_find_memregion(child, va)->perm) << Hex(va);
        EXPECT_EQ(m.perm, as_find_memregion(as_, va)->perm) << "the parent keeps " << Hex(va);
        EXPECT_EQ(Refcount(m.paddr), 1);
        EXPECT_EQ(Refcount(copy->paddr), 1);
    }
    EXPECT_TRUE(Flushes(as_).empty());
    EXPECT_EQ(child->pages_mapped, kLoadedPages);
    EXPECT_EQ(pmem_free_pages(), free_before - kLoadedPages - vpmap_table_pages(child->vpmap));
    EXPECT_EQ(vm_global_stats.pages_shared, 0u);
}

TEST_F(VmTest, ForkOutOfMemoryAtAnyPointReleasesEverything)
{
    const size_t regions_before = RegionCount(as_);
    int failures = 0;

    for (size_t left = 0;; left++) {
        SCOPED_TRACE("free pages left: " + std::to_string(left));
        ExhaustPmem(left);
        struct addrspace *child = nullptr;
        err_t err = as_copy(as_, &child);
        size_t free_after = pmem_free_pages();
        ReleasePmem();
        if (err == ERR_OK) {
            as_destroy(child);
            break;
        }
        failures++;
        EXPECT_EQ(err, ERR_NOMEM);
        EXPECT_EQ(free_after, left) << "every page the failed fork took is back";
        EXPECT_EQ(child, nullptr);
        EXPECT_EQ(RegionCount(as_), regions_before);
        EXPECT_EQ(as_->pages_mapped, kLoadedPages);
        ExpectInvariants();  // refcounts are back at 1
        ASSERT_LT(left, 100u) << "as_copy never succeeds";
    }
    EXPECT_GT(failures, 0);
    EXPECT_EQ(vm_global_stats.pages_shared, kLoadedPages) << "only the fork that worked counts";
}

// A fork that fails after sharing the parent's writable pages (made
// read-only) leaves them to the parent alone: its writes are in place.
TEST_F(VmTest, AfterAFailedForkTheParentWritesItsPagesInPlace)
{
    // The most memory with which the fork still fails: it failed on its very
    // last allocation, the stack's page table, after sharing everything else.
    size_t last_failing = 0;
    for (size_t left = 0; left < 100; left++) {
        ExhaustPmem(left);
        struct addrspace *child = nullptr;
        err_t err = as_copy(as_, &child);
        ReleasePmem();
        if (err == ERR_OK) {
            as_destroy(child);
            break;
        }
        last_failing = left;
    }
    ExhaustPmem(last_failing);
    struct addrspace *child = nullptr;
    ASSERT_EQ(as_copy(as_, &child), ERR_NOMEM);
    ReleasePmem();
    ASSERT_EQ(Mapping(as_, kDataStart)->perm, MEMPERM_UR) << "the fork got past the data page";
    paddr_t data = Frame(as_, kDataStart);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kDataStart, kWrite), FAULT_RESOLVED);

    EXPECT_EQ(Frame(as_, kDataStart), data);
    EXPECT_EQ(Mapping(as_, kDataStart)->perm, MEMPERM_URW);
    EXPECT_EQ(pmem_free_pages(), free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1, .cow_faults = 1, .cow_reused = 1}));
}

TEST_F(VmTest, EagerForkOutOfMemoryAtAnyPointReleasesEverything)
{
    int failures = 0;

    for (size_t left = 0;; left++) {
        SCOPED_TRACE("free pages left: " + std::to_string(left));
        ExhaustPmem(left);
        struct addrspace *child = nullptr;
        err_t err = as_copy_eager(as_, &child);
        EXPECT_EQ(pmem_free_pages(),
                  err == ERR_OK ? left - kLoadedPages - vpmap_table_pages(child->vpmap) : left);
        ReleasePmem();
        if (err == ERR_OK) {
            as_destroy(child);
            break;
        }
        failures++;
        EXPECT_EQ(err, ERR_NOMEM);
        EXPECT_EQ(child, nullptr);
        for (const auto &[va, m] : Mappings(as_)) {
            EXPECT_EQ(m.perm, as_find_memregion(as_, va)->perm) << "the parent is untouched";
        }
        ExpectInvariants();
        ASSERT_LT(left, 100u) << "as_copy never succeeds";
    }
    EXPECT_GE(failures, static_cast<int>(kLoadedPages));
}

// --- as_destroy ------------------------------------------------------------

TEST_F(VmTest, DestroyingAChildReleasesEverythingItHeld)
{
    Sbrk(kPage);
    const size_t free_before = pmem_free_pages();
    struct addrspace *child = Fork(as_);
    Switch(child);
    // The child copies its data page and gets heap and bss pages of its own.
    WriteEachPage(kDataStart, kHeapStart + kPage);
    ASSERT_EQ(child->pages_mapped, kLoadedPages + 2);

    Exit(child);

    EXPECT_EQ(pmem_free_pages(), free_before);
    for (const auto &[va, m] : Mappings(as_)) {
        EXPECT_EQ(Refcount(m.paddr), 1) << Hex(va);
    }
    EXPECT_TRUE(PageHolds(as_, kDataStart, kDataByte));
}

TEST_F(VmTest, DestroyingTheLastAddressSpaceReturnsEveryPage)
{
    Sbrk(kPage);
    WriteEachPage(kDataStart, kHeapStart + kPage);

    Exit(as_);

    EXPECT_EQ(pmem_free_pages(), baseline_free_pages());
}

}  // namespace
