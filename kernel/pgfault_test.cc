// Host tests for the page-fault handler (kernel/pgfault.c): one test per row
// of the verdict table in kernel/pgfault.h, on the process VmFixture builds
// (testing/vm_fixture.h): code, data, an empty heap, a stack whose top page
// is mapped. Touch(va, access) plays the MMU: it faults only when the page
// table does not allow the access, as the hardware would.
//
// Criteria checked (each test also checks the mappings, permissions,
// refcounts, TLB flushes, free pages and fault counters its case touches):
//  1. Demand-zero: the first touch of a stack page (a push just below the
//     mapped top page, a reference deep into the stack, a read), of a heap
//     page below the break, of a bss page, maps exactly that page with the
//     region's permission, zeroed; nothing else is mapped or flushed.
//  2. Every address of the stack guard gap (USTACK_GUARD_PAGES pages below
//     the stack) is FAULT_STACK_OVERFLOW; farther down, NULL, above the stack
//     and above the break are FAULT_BAD_ADDRESS; a page the heap gave back is bad, and
//     zeroed when the heap grows over it again. Nothing is mapped.
//  3. Copy-on-write after fork: reads never fault and copy nothing; a write
//     by a sharer while another still maps the page copies it (new frame,
//     same bytes, writable; the other side unchanged; the old frame loses one
//     reference); the last sharer writes in place (same frame, made
//     writable). Each changed translation is flushed.
//  4. Three sharers (a fork of a fork) writing and exiting in every order
//     keep their own bytes, and give every page back.
//  5. Out of memory in a copy or a demand-zero fault is FAULT_OUT_OF_MEMORY
//     and changes nothing; nothing leaks.
//  6. Writes to read-only memory (present text, shared text after fork, an
//     absent page of a read-only region) and instruction fetches from present
//     non-executable pages are FAULT_PERMISSION, and nothing is copied,
//     mapped or changed.
//  7. A user access to the kernel half or a non-canonical address is
//     FAULT_KERNEL_ADDRESS; any kernel-mode fault is FAULT_KERNEL_BUG, served
//     or not; a write fault on a page already writable (copyin got there
//     first) is resolved without any change.
//  8. The counters of the faulting address space and vm_global_stats count
//     exactly the faults of each case.
//  9. Every test ends with every page back and the invariants of the fixture
//     holding (pages_mapped exact, refcount = number of mappings).

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "testing/vm_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/mm/memperm.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/vm.h"
#include "kernel/pgfault.h"
}

namespace {

constexpr vaddr_t kPage = PAGE_SIZE;

// The fixture, and the checks many tests share.
class PgfaultTest : public VmFixture {
  protected:
    // Checks a demand-zero fault at va: only that page newly mapped, with perm,
    // zeroed, one page taken (and `new_tables` page-table pages, when va's
    // 2 MiB had no table yet), no flush, the counters of one demand-zero fault.
    void ExpectDemandZero(struct addrspace *as, vaddr_t va, memperm_t perm, size_t free_before,
                          size_t new_tables = 0)
    {
        std::optional<FakeTranslation> m = Mapping(as, va);
        ASSERT_TRUE(m) << Hex(va) << " is not mapped";
        EXPECT_EQ(m->perm, perm);
        EXPECT_EQ(pmem_refcount(m->paddr), 1);
        EXPECT_EQ(as->pages_mapped, MappedPages(as));
        EXPECT_EQ(pmem_free_pages(), free_before - 1 - new_tables);
        EXPECT_TRUE(Flushes(as).empty()) << "nothing was mapped before";
        EXPECT_TRUE(StatsAre(as->stats, {.page_faults = 1, .demand_zero_faults = 1}));
        EXPECT_TRUE(StatsAre(vm_global_stats, {.page_faults = 1, .demand_zero_faults = 1}));
    }

    // Checks that a refused fault changed nothing: as still maps mapped_before
    // pages, no page was taken, no translation flushed.
    void ExpectNothingChanged(struct addrspace *as, size_t mapped_before, size_t free_before)
    {
        EXPECT_EQ(MappedPages(as), mapped_before);
        EXPECT_EQ(as->pages_mapped, mapped_before);
        EXPECT_EQ(pmem_free_pages(), free_before);
        EXPECT_TRUE(Flushes(as).empty());
    }
};

// --- Demand-zero -------------------------------------------------------------

TEST_F(PgfaultTest, StackPushBelowTheTopPageMapsAZeroedPage)
{
    const vaddr_t sp = kStackTopPage;  // the stack pointer, at the bottom of the top page
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(sp - 8, kWrite), FAULT_RESOLVED);

    ExpectDemandZero(as_, sp - kPage, MEMPERM_URW, free_before);
    EXPECT_TRUE(PageHolds(as_, sp - kPage, 0));
    EXPECT_EQ(MappedPages(as_), kLoadedPages + 1);
}

TEST_F(PgfaultTest, ReferenceDeepIntoTheStackMapsOnlyThatPage)
{
    const vaddr_t deep = kStackTopPage - (USTACK_PAGES - 1) * kPage;  // the lowest stack page
    ASSERT_EQ(deep, kStackStart);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(deep + 16, kWrite), FAULT_RESOLVED);

    ExpectDemandZero(as_, deep, MEMPERM_URW, free_before);
    EXPECT_TRUE(PageHolds(as_, deep, 0));
    for (vaddr_t va = deep + kPage; va < kStackTopPage; va += kPage) {
        EXPECT_FALSE(Mapping(as_, va)) << "pages in between stay absent: " << Hex(va);
    }
}

TEST_F(PgfaultTest, ReadFaultInTheStackMapsAZeroedPage)
{
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kStackTopPage - 3 * kPage, kRead), FAULT_RESOLVED);

    ExpectDemandZero(as_, kStackTopPage - 3 * kPage, MEMPERM_URW, free_before);
    EXPECT_TRUE(PageHolds(as_, kStackTopPage - 3 * kPage, 0));
}

TEST_F(PgfaultTest, HeapFirstTouchAfterSbrkMapsAZeroedPage)
{
    vaddr_t old_brk;
    ASSERT_EQ(as_sbrk(as_, 2 * kPage, &old_brk), ERR_OK);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kHeapStart + kPage + 5, kWrite), FAULT_RESOLVED);

    ExpectDemandZero(as_, kHeapStart + kPage, MEMPERM_URW, free_before);
    EXPECT_TRUE(PageHolds(as_, kHeapStart + kPage, 0));
    EXPECT_FALSE(Mapping(as_, kHeapStart));
}

TEST_F(PgfaultTest, BssFirstTouchMapsAZeroedPage)
{
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kBss + 100, kRead), FAULT_RESOLVED);

    ExpectDemandZero(as_, kBss, MEMPERM_URW, free_before);
    EXPECT_TRUE(PageHolds(as_, kBss, 0));
}

// --- Bad addresses -------------------------------------------------------------

TEST_F(PgfaultTest, ReferenceJustBelowTheStackIsAStackOverflow)
{
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kStackStart - 8, kWrite), FAULT_STACK_OVERFLOW);
    EXPECT_EQ(Touch(kStackStart - kPage, kRead), FAULT_STACK_OVERFLOW);

    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 2}));
    EXPECT_TRUE(StatsAre(vm_global_stats, {.page_faults = 2}));
}

TEST_F(PgfaultTest, ReferenceAnywhereInTheGuardGapIsAStackOverflow)
{
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kStackStart - 12 * kPage, kWrite), FAULT_STACK_OVERFLOW)
        << "a 48 KiB local array's lowest byte";
    EXPECT_EQ(Touch(kGuard, kWrite), FAULT_STACK_OVERFLOW)
        << "the lowest address of the gap still counts";

    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 2}));
}

TEST_F(PgfaultTest, ReferenceFarBelowTheStackIsABadAddress)
{
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kGuard - 1, kWrite), FAULT_BAD_ADDRESS) << "just below the guard gap";
    EXPECT_EQ(Touch(0x10000000, kRead), FAULT_BAD_ADDRESS);

    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 2}));
}

TEST_F(PgfaultTest, NullAndLowAddressesAreBadAddresses)
{
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(0, kRead), FAULT_BAD_ADDRESS);
    EXPECT_EQ(Touch(8, kWrite), FAULT_BAD_ADDRESS);
    EXPECT_EQ(Touch(USER_REGION_MIN - 1, kExecute), FAULT_BAD_ADDRESS);

    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 3}));
}

TEST_F(PgfaultTest, ReferenceAboveTheStackTopIsABadAddress)
{
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kStackTop, kWrite), FAULT_BAD_ADDRESS);

    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1}));
}

TEST_F(PgfaultTest, TouchAboveTheBreakIsABadAddress)
{
    size_t free_before = pmem_free_pages();
    EXPECT_EQ(Touch(kHeapStart, kWrite), FAULT_BAD_ADDRESS) << "the heap is empty";
    vaddr_t old_brk;
    ASSERT_EQ(as_sbrk(as_, 100, &old_brk), ERR_OK);

    EXPECT_EQ(Touch(kHeapStart + kPage, kWrite), FAULT_BAD_ADDRESS)
        << "the page above the break's page";

    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 2}));
}

TEST_F(PgfaultTest, HeapPageGivenBackIsBadThenZeroedWhenTheHeapRegrows)
{
    vaddr_t old_brk;
    ASSERT_EQ(as_sbrk(as_, kPage, &old_brk), ERR_OK);
    ASSERT_EQ(Touch(kHeapStart, kWrite), FAULT_RESOLVED);
    FillPage(as_, kHeapStart, 0x77);
    ASSERT_EQ(as_sbrk(as_, -static_cast<int64_t>(kPage), &old_brk), ERR_OK);

    EXPECT_EQ(Touch(kHeapStart, kRead), FAULT_BAD_ADDRESS);

    ASSERT_EQ(as_sbrk(as_, kPage, &old_brk), ERR_OK);
    EXPECT_EQ(Touch(kHeapStart, kRead), FAULT_RESOLVED);
    EXPECT_TRUE(PageHolds(as_, kHeapStart, 0)) << "the old bytes must not come back";
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 3, .demand_zero_faults = 2}));
}

// --- Copy-on-write -----------------------------------------------------------

TEST_F(PgfaultTest, AfterForkReadsNeedNoFaultAndNothingIsCopied)
{
    size_t free_before = pmem_free_pages();
    struct addrspace *child = Fork(as_);
    paddr_t data = Frame(as_, kDataStart);

    EXPECT_EQ(Touch(kDataStart, kRead), kNoFault);
    Switch(child);
    EXPECT_EQ(Touch(kDataStart, kRead), kNoFault);

    EXPECT_EQ(Frame(child, kDataStart), data);
    EXPECT_EQ(Refcount(data), 2);
    EXPECT_EQ(Mapping(as_, kDataStart)->perm, MEMPERM_UR);
    EXPECT_EQ(Mapping(child, kDataStart)->perm, MEMPERM_UR);
    EXPECT_EQ(Peek(child, kDataStart), kDataByte);
    EXPECT_EQ(pmem_free_pages(), free_before - vpmap_table_pages(child->vpmap))
        << "only the child's page tables are new";
    EXPECT_TRUE(StatsAre(as_->stats, {}));
    EXPECT_TRUE(StatsAre(child->stats, {}));
}

TEST_F(PgfaultTest, WriteToASharedCowPageCopiesIt)
{
    struct addrspace *child = Fork(as_);
    paddr_t shared = Frame(as_, kDataStart);
    Flushes(as_);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kDataStart, kWrite), FAULT_RESOLVED);
    Poke(as_, kDataStart, 0x11);

    paddr_t copy = Frame(as_, kDataStart);
    EXPECT_NE(copy, shared);
    EXPECT_EQ(Mapping(as_, kDataStart)->perm, MEMPERM_URW);
    EXPECT_EQ(Peek(as_, kDataStart + 1), kDataByte) << "the copy holds the page's bytes";
    EXPECT_EQ(Frame(child, kDataStart), shared) << "the other side keeps the old page";
    EXPECT_EQ(Mapping(child, kDataStart)->perm, MEMPERM_UR);
    EXPECT_TRUE(PageHolds(child, kDataStart, kDataByte)) << "the parent's write leaked";
    EXPECT_EQ(Refcount(shared), 1);
    EXPECT_EQ(Refcount(copy), 1);
    EXPECT_EQ(pmem_free_pages(), free_before - 1);
    EXPECT_EQ(Flushes(as_), std::vector<vaddr_t>{kDataStart});
    EXPECT_TRUE(Flushes(child).empty());
    EXPECT_EQ(as_->pages_mapped, kLoadedPages);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1, .cow_faults = 1, .cow_copies = 1}));
    EXPECT_TRUE(StatsAre(child->stats, {}));
    EXPECT_TRUE(StatsAre(vm_global_stats, {.page_faults = 1, .cow_faults = 1, .cow_copies = 1}));
}

TEST_F(PgfaultTest, WriteByTheLastSharerMakesThePageWritableInPlace)
{
    struct addrspace *child = Fork(as_);
    paddr_t data = Frame(as_, kDataStart);
    Exit(child);
    Flushes(as_);
    size_t free_before = pmem_free_pages();
    ASSERT_EQ(Refcount(data), 1);
    ASSERT_EQ(Mapping(as_, kDataStart)->perm, MEMPERM_UR);

    EXPECT_EQ(Touch(kDataStart, kWrite), FAULT_RESOLVED);

    EXPECT_EQ(Frame(as_, kDataStart), data);
    EXPECT_EQ(Mapping(as_, kDataStart)->perm, MEMPERM_URW);
    EXPECT_TRUE(PageHolds(as_, kDataStart, kDataByte));
    EXPECT_EQ(Refcount(data), 1);
    EXPECT_EQ(pmem_free_pages(), free_before);
    EXPECT_EQ(Flushes(as_), std::vector<vaddr_t>{kDataStart});
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1, .cow_faults = 1, .cow_reused = 1}));
    EXPECT_TRUE(StatsAre(vm_global_stats, {.page_faults = 1, .cow_faults = 1, .cow_reused = 1}));
}

TEST_F(PgfaultTest, WriteAfterTheOtherSharerCopiedReusesThePageInPlace)
{
    struct addrspace *child = Fork(as_);
    paddr_t data = Frame(as_, kDataStart);
    Switch(child);
    ASSERT_EQ(Touch(kDataStart, kWrite), FAULT_RESOLVED);
    Switch(as_);
    Flushes(as_);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kDataStart, kWrite), FAULT_RESOLVED);

    EXPECT_EQ(Frame(as_, kDataStart), data);
    EXPECT_EQ(Mapping(as_, kDataStart)->perm, MEMPERM_URW);
    EXPECT_NE(Frame(child, kDataStart), data);
    EXPECT_EQ(pmem_free_pages(), free_before);
    EXPECT_EQ(Flushes(as_), std::vector<vaddr_t>{kDataStart});
    EXPECT_TRUE(StatsAre(child->stats, {.page_faults = 1, .cow_faults = 1, .cow_copies = 1}));
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1, .cow_faults = 1, .cow_reused = 1}));
    EXPECT_TRUE(StatsAre(vm_global_stats,
                         {.page_faults = 2, .cow_faults = 2, .cow_copies = 1, .cow_reused = 1}));
}

TEST_F(PgfaultTest, AfterEagerForkWritesNeedNoFault)
{
    struct addrspace *child = Fork(as_, kEager);
    Switch(child);

    EXPECT_EQ(Touch(kDataStart, kWrite), kNoFault);
    EXPECT_EQ(Touch(kStackTopPage, kWrite), kNoFault);
    Switch(as_);
    EXPECT_EQ(Touch(kDataStart, kWrite), kNoFault);

    EXPECT_TRUE(StatsAre(vm_global_stats, {}));
}

// Three processes share the data page: the parent, its child and the child's
// child. Each writes it (a different byte), in the order of the parameter;
// then each exits, in the same order.
class PgfaultSharersTest : public VmFixture,
                           public testing::WithParamInterface<std::array<int, 3>> {};

TEST_P(PgfaultSharersTest, ThreeSharersWriteAndExitInThisOrder)
{
    const std::array<int, 3> order = GetParam();
    struct addrspace *procs[3];
    procs[0] = as_;
    procs[1] = Fork(procs[0]);
    procs[2] = Fork(procs[1]);
    const paddr_t shared = Frame(as_, kDataStart);
    ASSERT_EQ(Refcount(shared), 3);
    EXPECT_EQ(vm_global_stats.pages_shared, 2 * kLoadedPages);

    for (int i = 0; i < 3; i++) {
        int who = order[i];
        SCOPED_TRACE("writer " + std::to_string(who));
        Switch(procs[who]);
        size_t free_before = pmem_free_pages();
        ASSERT_EQ(Touch(kDataStart, kWrite), FAULT_RESOLVED);
        Poke(procs[who], kDataStart, static_cast<uint8_t>('A' + who));
        bool last = i == 2;
        EXPECT_EQ(Frame(procs[who], kDataStart) == shared, last) << "only the last writer reuses";
        EXPECT_EQ(pmem_free_pages(), free_before - (last ? 0 : 1));
        EXPECT_EQ(Refcount(shared), last ? 1 : 2 - i) << "each copy drops one reference";
        EXPECT_TRUE(StatsAre(procs[who]->stats, {.page_faults = 1,
                                                 .cow_faults = 1,
                                                 .cow_copies = last ? 0u : 1u,
                                                 .cow_reused = last ? 1u : 0u}));
    }
    std::set<paddr_t> frames;
    for (int who = 0; who < 3; who++) {
        EXPECT_EQ(Peek(procs[who], kDataStart), 'A' + who) << "process " << who;
        EXPECT_EQ(Peek(procs[who], kDataStart + 1), kDataByte) << "process " << who;
        frames.insert(Frame(procs[who], kDataStart));
    }
    EXPECT_EQ(frames.size(), 3u);
    EXPECT_TRUE(StatsAre(vm_global_stats,
                         {.page_faults = 3, .cow_faults = 3, .cow_copies = 2, .cow_reused = 1}));

    for (int i = 0; i < 3; i++) {
        Exit(procs[order[i]]);
        ExpectInvariants();
        for (int j = i + 1; j < 3; j++) {
            int who = order[j];
            EXPECT_EQ(Peek(procs[who], kDataStart), 'A' + who) << "process " << who;
            EXPECT_TRUE(PageHolds(procs[who], kCodeStart, kCodeByte)) << "process " << who;
        }
    }
    EXPECT_EQ(pmem_free_pages(), baseline_free_pages());
}

std::string OrderName(const testing::TestParamInfo<std::array<int, 3>> &info)
{
    static const char *const names[] = {"Parent", "Child", "Grandchild"};
    std::string name;
    for (int who : info.param) {
        name += names[who];
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(EveryOrder, PgfaultSharersTest,
                         testing::Values(std::array<int, 3>{0, 1, 2}, std::array<int, 3>{0, 2, 1},
                                         std::array<int, 3>{1, 0, 2}, std::array<int, 3>{1, 2, 0},
                                         std::array<int, 3>{2, 0, 1}, std::array<int, 3>{2, 1, 0}),
                         OrderName);

// --- Out of memory -----------------------------------------------------------

TEST_F(PgfaultTest, OutOfMemoryDuringACowCopyChangesNothing)
{
    struct addrspace *child = Fork(as_);
    paddr_t shared = Frame(as_, kDataStart);
    Flushes(as_);
    ExhaustPmem();

    EXPECT_EQ(Touch(kDataStart, kWrite), FAULT_OUT_OF_MEMORY);

    EXPECT_EQ(Frame(as_, kDataStart), shared);
    EXPECT_EQ(Mapping(as_, kDataStart)->perm, MEMPERM_UR);
    EXPECT_EQ(Frame(child, kDataStart), shared);
    EXPECT_EQ(Refcount(shared), 2);
    EXPECT_EQ(pmem_free_pages(), 0u);
    EXPECT_TRUE(Flushes(as_).empty());
    EXPECT_EQ(as_->pages_mapped, kLoadedPages);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1, .cow_faults = 1}));
    EXPECT_TRUE(StatsAre(vm_global_stats, {.page_faults = 1, .cow_faults = 1}));
}

TEST_F(PgfaultTest, OutOfMemoryDuringDemandZeroMapsNothing)
{
    ExhaustPmem();

    EXPECT_EQ(Touch(kStackTopPage - kPage, kWrite), FAULT_OUT_OF_MEMORY);

    ExpectNothingChanged(as_, kLoadedPages, 0);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1}));
    EXPECT_TRUE(StatsAre(vm_global_stats, {.page_faults = 1}));
}

// The page is had, but its mapping needs a page table that is not: the
// first heap page of a new 2 MiB span, with one page left.
TEST_F(PgfaultTest, OutOfPageTablesDuringDemandZeroMapsNothingAndFreesThePage)
{
    const vaddr_t new_span = 0x600000;  // the first 2 MiB boundary above the heap's start
    vaddr_t old_brk;
    ASSERT_EQ(as_sbrk(as_, static_cast<int64_t>(new_span + kPage - kHeapStart), &old_brk), ERR_OK);
    ExhaustPmem(1);

    EXPECT_EQ(Touch(new_span, kWrite), FAULT_OUT_OF_MEMORY);

    ExpectNothingChanged(as_, kLoadedPages, 1);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1}));
}

// --- Permission --------------------------------------------------------------

TEST_F(PgfaultTest, WriteToReadOnlyTextIsAPermissionFault)
{
    paddr_t text = Frame(as_, kCodeStart);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kCodeStart + 10, kWrite), FAULT_PERMISSION);

    EXPECT_EQ(Frame(as_, kCodeStart), text);
    EXPECT_EQ(Mapping(as_, kCodeStart)->perm, MEMPERM_URX);
    EXPECT_EQ(Refcount(text), 1);
    EXPECT_TRUE(PageHolds(as_, kCodeStart, kCodeByte));
    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1}));
    EXPECT_TRUE(StatsAre(vm_global_stats, {.page_faults = 1}));
}

TEST_F(PgfaultTest, WriteToTextSharedByForkIsAPermissionFaultNotACopy)
{
    struct addrspace *child = Fork(as_);
    paddr_t text = Frame(as_, kCodeStart);
    Switch(child);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(kCodeStart, kWrite), FAULT_PERMISSION);

    EXPECT_EQ(Frame(child, kCodeStart), text);
    EXPECT_EQ(Mapping(child, kCodeStart)->perm, MEMPERM_URX);
    EXPECT_EQ(Refcount(text), 2);
    ExpectNothingChanged(child, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(child->stats, {.page_faults = 1}));
}

TEST_F(PgfaultTest, WriteToAnAbsentPageOfAReadOnlyRegionIsAPermissionFault)
{
    const vaddr_t rodata = 0x10000000;
    ASSERT_EQ(as_map_memregion(as_, rodata, kPage, MEMPERM_UR, MEMREGION_DATA, nullptr), ERR_OK);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(rodata, kWrite), FAULT_PERMISSION);

    EXPECT_FALSE(Mapping(as_, rodata));
    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1}));
}

TEST_F(PgfaultTest, ReadOfAnAbsentPageOfAReadOnlyRegionMapsItReadOnly)
{
    const vaddr_t rodata = 0x10000000;
    ASSERT_EQ(as_map_memregion(as_, rodata, kPage, MEMPERM_UR, MEMREGION_DATA, nullptr), ERR_OK);
    size_t free_before = pmem_free_pages();

    EXPECT_EQ(Touch(rodata, kRead), FAULT_RESOLVED);

    // A 2 MiB of its own: the mapping needs a page table too.
    ExpectDemandZero(as_, rodata, MEMPERM_UR, free_before, /*new_tables=*/1);
    EXPECT_TRUE(PageHolds(as_, rodata, 0));
}

TEST_F(PgfaultTest, ExecuteFromAPresentNonExecutablePageIsAPermissionFault)
{
    paddr_t data = Frame(as_, kDataStart);
    size_t free_before = pmem_free_pages();
    EXPECT_EQ(Touch(kCodeStart, kExecute), kNoFault) << "code is executable";

    EXPECT_EQ(Touch(kDataStart, kExecute), FAULT_PERMISSION);
    EXPECT_EQ(Touch(kStackTopPage, kExecute), FAULT_PERMISSION);

    EXPECT_EQ(Frame(as_, kDataStart), data);
    EXPECT_EQ(Mapping(as_, kDataStart)->perm, MEMPERM_URW);
    EXPECT_EQ(Mapping(as_, kStackTopPage)->perm, MEMPERM_URW);
    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 2}));
}

// --- Kernel addresses, kernel faults, spurious faults ----------------------------

TEST_F(PgfaultTest, UserAccessToAKernelAddressIsAKernelAddressFault)
{
    size_t free_before = pmem_free_pages();

    // On x86 the kernel half is mapped (supervisor-only): present faults.
    EXPECT_EQ(handle_page_fault(0xffffffff80100000ull, /*present=*/true, /*write=*/false,
                                /*user=*/true),
              FAULT_KERNEL_ADDRESS);
    EXPECT_EQ(handle_page_fault(0xffff800000000000ull, true, true, true), FAULT_KERNEL_ADDRESS);
    EXPECT_EQ(handle_page_fault(VPMAP_USER_TOP, false, false, true), FAULT_KERNEL_ADDRESS)
        << "the first non-canonical address";
    EXPECT_EQ(handle_page_fault(0x0000900000000000ull, false, true, true), FAULT_KERNEL_ADDRESS);

    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 4}));
    EXPECT_TRUE(StatsAre(vm_global_stats, {.page_faults = 4}));
}

TEST_F(PgfaultTest, KernelModeFaultIsAKernelBug)
{
    size_t free_before = pmem_free_pages();

    // Even where a user fault would be served: the kernel goes through copyin.
    EXPECT_EQ(handle_page_fault(kStackTopPage - kPage, /*present=*/false, /*write=*/true,
                                /*user=*/false),
              FAULT_KERNEL_BUG);
    EXPECT_EQ(handle_page_fault(0xffff810000000000ull, false, true, false), FAULT_KERNEL_BUG);

    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {}));
    EXPECT_TRUE(StatsAre(vm_global_stats, {}));
}

TEST_F(PgfaultTest, SpuriousWriteFaultOnAWritablePageChangesNothing)
{
    paddr_t data = Frame(as_, kDataStart);
    size_t free_before = pmem_free_pages();

    // The hardware reported a write to a read-only page, but copyin made it
    // writable before the handler looked.
    EXPECT_EQ(handle_page_fault(kDataStart, /*present=*/true, /*write=*/true, /*user=*/true),
              FAULT_RESOLVED);

    EXPECT_EQ(Frame(as_, kDataStart), data);
    EXPECT_EQ(Mapping(as_, kDataStart)->perm, MEMPERM_URW);
    EXPECT_EQ(Refcount(data), 1);
    ExpectNothingChanged(as_, kLoadedPages, free_before);
    EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1}));
}

TEST_F(PgfaultTest, FaultReasonNamesEveryVerdict)
{
    std::set<std::string> reasons;
    for (enum fault_verdict v :
         {FAULT_RESOLVED, FAULT_BAD_ADDRESS, FAULT_STACK_OVERFLOW, FAULT_PERMISSION,
          FAULT_KERNEL_ADDRESS, FAULT_OUT_OF_MEMORY, FAULT_KERNEL_BUG}) {
        reasons.insert(fault_reason(v));
    }
    EXPECT_EQ(reasons.size(), 7u) << "one distinct reason per verdict";
    EXPECT_EQ(std::string(fault_reason(FAULT_STACK_OVERFLOW)), "stack overflow");
    EXPECT_EQ(std::string(fault_reason(FAULT_OUT_OF_MEMORY)), "out of memory");
}

}  // namespace
