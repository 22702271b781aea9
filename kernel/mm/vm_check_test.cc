// Host tests for vm_check, the invariant checker (kernel/mm/vm_check.h), and
// the registry of live address spaces it walks (kernel/mm/vm.h), on the fake
// page table.
//
// Criteria checked:
//  1. The registry lists exactly the live address spaces, oldest first, as
//     they are created and destroyed (first, middle, last).
//  2. A healthy system has no violations: nothing at all; an exec-like
//     address space; after faults, sbrk and a copy-on-write fork; and the
//     summary counts mappings, distinct and shared pages exactly.
//  3. Each invariant of vm_check.h, broken on purpose, is reported with one
//     line naming it: refcount above and below the mapping count, a free
//     page mapped, a mapping outside every region, a mapping stronger than
//     its region, a writable shared page, a wrong pages_mapped, a wrong
//     count of page-table pages, a break outside the heap, pmem's books out
//     of balance.
//  4. The checker never allocates: it works with memory exhausted, and
//     setup with no memory fails cleanly.
//  5. vm_check_or_panic panics naming the place when anything is wrong, and
//     does nothing when the checker is off; vm_check_boot turns it on only
//     for the `vmcheck` command-line word.
//  6. A rest point checks (and panics on a violation) only when every other
//     thread is at rest, with the other CPUs idle or parked by a rendezvous,
//     and counts the two apart; otherwise (busy, or a rendezvous failed) it
//     counts a skip and checks nothing, since another thread may be part way
//     through a change. It checks again only once something changed (a fault
//     served, pages mapped, a skip). With the checker off it neither checks
//     nor counts.
//  7. Nothing leaks (the fixture: free pages back at the baseline).

#include <stdexcept>
#include <string>
#include <vector>

#include "testing/elf_builder.h"
#include "testing/fake_console.h"
#include "testing/fake_current.h"
#include "testing/fake_vpmap.h"
#include "testing/pmem_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/cmdline.h"
#include "kernel/exec.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_internal.h"
#include "kernel/mm/vm.h"
#include "kernel/mm/vm_check.h"
#include "kernel/pgfault.h"
}

namespace {

constexpr vaddr_t kCode = USER_REGION_MIN;
constexpr vaddr_t kData = kCode + PAGE_SIZE;
constexpr vaddr_t kHeap = kData + 2 * PAGE_SIZE;

class VmCheckTest : public PmemTest {
  protected:
    VmCheckTest() : PmemTest(/*arena_pages=*/128)
    {
    }

    void SetUp() override
    {
        PmemTest::SetUp();
        kmalloc_init();
        ASSERT_EQ(as_live_count(), 0u) << "an earlier test left an address space behind";
        ASSERT_EQ(vm_check_setup(), ERR_OK);
        fake_console_take_output();
    }

    void TearDown() override
    {
        for (struct addrspace *as : spaces_) {
            as_destroy(as);
        }
        spaces_.clear();
        fake_set_current_as(nullptr);
        EXPECT_EQ(as_live_count(), 0u);
        vm_check_teardown();
        PmemTest::TearDown();
    }

    // A program loaded by exec's loader: one code page and one data page
    // loaded, a second data page left to demand-zero, an empty heap, the
    // stack with its top page.
    struct addrspace *Exec()
    {
        ElfImage img = ElfExecutable(kCode, 3 * PAGE_SIZE);
        img.SetPhdrs({
            ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, kCode, PAGE_SIZE, PAGE_SIZE, PAGE_SIZE),
            ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, kData, 2 * PAGE_SIZE, PAGE_SIZE,
                       2 * PAGE_SIZE),
        });
        std::vector<uint8_t> file = img.Bytes();
        struct exec_image image = {};
        EXPECT_EQ(exec_load_image(file.data(), file.size(), 0, nullptr, &image), ERR_OK);
        if (image.as != nullptr) {
            spaces_.push_back(image.as);
            EXPECT_EQ(image.as->heap->start, kHeap);
        }
        return image.as;
    }

    // A failed fork stops the test (see VmFixture::Fork).
    struct addrspace *Fork(struct addrspace *parent)
    {
        struct addrspace *child = nullptr;
        err_t err = as_copy(parent, &child);
        if (err != ERR_OK) {
            throw std::runtime_error(std::string("as_copy failed: ") + err_name(err));
        }
        spaces_.push_back(child);
        return child;
    }

    void Destroy(struct addrspace *as)
    {
        for (auto it = spaces_.begin(); it != spaces_.end(); ++it) {
            if (*it == as) {
                spaces_.erase(it);
                break;
            }
        }
        as_destroy(as);
    }

    static paddr_t Frame(struct addrspace *as, vaddr_t va)
    {
        paddr_t pa = 0;
        EXPECT_EQ(vpmap_lookup_vaddr(as->vpmap, va, &pa, nullptr), ERR_OK);
        return pg_round_down(pa);
    }

    // Runs the check; returns its violations and keeps what it printed.
    size_t Check()
    {
        size_t n = vm_check(&summary_);
        EXPECT_EQ(n, summary_.violations);
        printed_ = fake_console_take_output();
        return n;
    }

    std::vector<struct addrspace *> spaces_;
    struct vm_check_summary summary_ = {};
    std::string printed_;
};

std::vector<struct addrspace *> Registry()
{
    std::vector<struct addrspace *> seen;
    as_for_each(
        [](struct addrspace *as, void *ctx) {
            static_cast<std::vector<struct addrspace *> *>(ctx)->push_back(as);
        },
        &seen);
    return seen;
}

TEST_F(VmCheckTest, RegistryListsLiveAddressSpacesOldestFirst)
{
    EXPECT_TRUE(Registry().empty());
    struct addrspace *a = Exec();
    struct addrspace *b = Exec();
    struct addrspace *c = Fork(a);
    struct addrspace *d = Exec();
    EXPECT_EQ(Registry(), (std::vector<struct addrspace *>{a, b, c, d}));
    EXPECT_EQ(as_live_count(), 4u);
    Destroy(b);  // the middle
    EXPECT_EQ(Registry(), (std::vector<struct addrspace *>{a, c, d}));
    Destroy(a);  // the oldest
    EXPECT_EQ(Registry(), (std::vector<struct addrspace *>{c, d}));
    Destroy(d);  // the newest
    EXPECT_EQ(Registry(), (std::vector<struct addrspace *>{c}));
    struct addrspace *e = Exec();
    EXPECT_EQ(Registry(), (std::vector<struct addrspace *>{c, e}));
    EXPECT_EQ(as_live_count(), 2u);
}

TEST_F(VmCheckTest, NothingLiveHasNoViolations)
{
    EXPECT_EQ(Check(), 0u) << printed_;
    EXPECT_EQ(printed_, "");
    EXPECT_EQ(summary_.address_spaces, 0u);
    EXPECT_EQ(summary_.mappings, 0u);
    EXPECT_EQ(summary_.scratch_pages, 2u) << "one directory page and one leaf for a small arena";
    EXPECT_EQ(summary_.pmem.total, pmem_total_pages());
    EXPECT_EQ(summary_.pmem.free, pmem_free_pages());
}

TEST_F(VmCheckTest, FaultsSbrkAndForkLeaveNoViolations)
{
    struct addrspace *parent = Exec();
    EXPECT_EQ(Check(), 0u) << printed_;
    EXPECT_EQ(summary_.mappings, 3u) << "code, data and the stack's top page";
    EXPECT_EQ(summary_.table_pages, 7u) << "the root; a PDPT, a PD and a PT for code and stack";

    fake_set_current_as(parent);
    vaddr_t old_brk;
    ASSERT_EQ(as_sbrk(parent, 3 * PAGE_SIZE, &old_brk), ERR_OK);
    EXPECT_EQ(handle_page_fault(kHeap + 10, false, true, true), FAULT_RESOLVED);
    EXPECT_EQ(handle_page_fault(kData + PAGE_SIZE, false, false, true), FAULT_RESOLVED);
    EXPECT_EQ(Check(), 0u) << printed_;

    struct addrspace *child = Fork(parent);
    EXPECT_EQ(Check(), 0u) << printed_;
    EXPECT_EQ(summary_.address_spaces, 2u);
    EXPECT_EQ(summary_.mappings, 10u);
    EXPECT_EQ(summary_.mapped_pages, 5u);
    EXPECT_EQ(summary_.shared_pages, 5u);
    EXPECT_EQ(summary_.table_pages, 14u);

    // The child writes the heap page (a copy), the parent then writes it in
    // place (last sharer); the parent shrinks its heap.
    fake_set_current_as(child);
    EXPECT_EQ(handle_page_fault(kHeap, true, true, true), FAULT_RESOLVED);
    fake_set_current_as(parent);
    EXPECT_EQ(handle_page_fault(kHeap, true, true, true), FAULT_RESOLVED);
    EXPECT_EQ(Check(), 0u) << printed_;
    EXPECT_EQ(summary_.mapped_pages, 6u);
    EXPECT_EQ(summary_.shared_pages, 4u);
    ASSERT_EQ(as_sbrk(parent, -3 * static_cast<int64_t>(PAGE_SIZE), &old_brk), ERR_OK);
    EXPECT_EQ(Check(), 0u) << printed_;
    EXPECT_EQ(summary_.mappings, 9u);
}

TEST_F(VmCheckTest, RefcountAboveTheMappingCountIsReported)
{
    struct addrspace *as = Exec();
    pmem_inc_refcnt(Frame(as, kData));
    EXPECT_EQ(Check(), 1u);
    EXPECT_NE(printed_.find("refcount 2, but 1 mapping"), std::string::npos) << printed_;
    EXPECT_NE(printed_.find("va 0x401000"), std::string::npos) << printed_;
    pmem_dec_refcnt(Frame(as, kData));
}

TEST_F(VmCheckTest, RefcountBelowTheMappingCountIsReportedOncePerPage)
{
    struct addrspace *a = Exec();
    struct addrspace *b = Exec();
    // b maps a's code page too, read-only (as sharing would), but without
    // taking a reference.
    ASSERT_EQ(vpmap_map(b->vpmap, kData + PAGE_SIZE, Frame(a, kCode), 1, MEMPERM_UR), ERR_OK);
    b->pages_mapped++;
    EXPECT_EQ(Check(), 1u);
    EXPECT_NE(printed_.find("refcount 1, but 2 mappings"), std::string::npos) << printed_;
    EXPECT_EQ(summary_.shared_pages, 1u);
    vpmap_unmap(b->vpmap, kData + PAGE_SIZE, 1, nullptr, nullptr);
    b->pages_mapped--;
}

TEST_F(VmCheckTest, AFreePageStillMappedIsReported)
{
    struct addrspace *as = Exec();
    paddr_t data = Frame(as, kData);
    pmem_dec_refcnt(data);  // freed behind the page table's back
    EXPECT_EQ(Check(), 1u);
    EXPECT_NE(printed_.find("the page is free (refcount 0) but mapped"), std::string::npos)
        << printed_;
    // Undo: take the page back off the free list and map it as before.
    paddr_t again;
    ASSERT_EQ(pmem_alloc(&again), ERR_OK);
    ASSERT_EQ(again, data) << "the page just freed is the next one handed out";
    EXPECT_EQ(Check(), 0u) << printed_;
}

TEST_F(VmCheckTest, AMappingOutsideEveryRegionIsReported)
{
    struct addrspace *as = Exec();
    paddr_t page;
    ASSERT_EQ(pmem_alloc(&page), ERR_OK);
    ASSERT_EQ(vpmap_map(as->vpmap, kHeap + 5 * PAGE_SIZE, page, 1, MEMPERM_URW), ERR_OK);
    as->pages_mapped++;
    EXPECT_EQ(Check(), 1u);
    EXPECT_NE(printed_.find("va 0x408000 -> pa"), std::string::npos) << printed_;
    EXPECT_NE(printed_.find("lies in no region"), std::string::npos) << printed_;
}

TEST_F(VmCheckTest, AMappingStrongerThanItsRegionIsReported)
{
    struct addrspace *as = Exec();
    vpmap_set_perm(as->vpmap, kCode, 1, MEMPERM_URW);  // writable text
    EXPECT_EQ(Check(), 1u);
    EXPECT_NE(printed_.find("has perm 0xb, more than its region's 0xd"), std::string::npos)
        << printed_;
}

TEST_F(VmCheckTest, AWritableSharedPageIsReportedInEachWritableMapping)
{
    struct addrspace *parent = Exec();
    struct addrspace *child = Fork(parent);
    EXPECT_EQ(Check(), 0u) << printed_;
    vpmap_set_perm(parent->vpmap, kData, 1, MEMPERM_URW);  // forgot copy-on-write
    EXPECT_EQ(Check(), 1u);
    EXPECT_NE(printed_.find("is writable, but the page is mapped 2 times"), std::string::npos)
        << printed_;
    vpmap_set_perm(child->vpmap, kData, 1, MEMPERM_URW);
    EXPECT_EQ(Check(), 2u);
}

TEST_F(VmCheckTest, AWrongPagesMappedIsReported)
{
    struct addrspace *as = Exec();
    as->pages_mapped++;
    EXPECT_EQ(Check(), 1u);
    EXPECT_NE(printed_.find("pages_mapped is 4, but the page table maps 3 pages"),
              std::string::npos)
        << printed_;
    as->pages_mapped--;
}

TEST_F(VmCheckTest, AWrongTablePageCountIsReported)
{
    struct addrspace *as = Exec();
    // The root, and a PDPT, a PD and a PT each for the code and the stack.
    ASSERT_EQ(vpmap_table_pages(as->vpmap), 7u);
    fake_vpmap_miscount_tables(as->vpmap, +1);
    EXPECT_EQ(Check(), 1u);
    EXPECT_NE(printed_.find("the page table counts 8 table pages, but a walk of it finds 7"),
              std::string::npos)
        << printed_;
    fake_vpmap_miscount_tables(as->vpmap, -2);
    EXPECT_EQ(Check(), 1u);
    EXPECT_NE(printed_.find("the page table counts 6 table pages, but a walk of it finds 7"),
              std::string::npos)
        << printed_;
    fake_vpmap_miscount_tables(as->vpmap, +1);
    EXPECT_EQ(Check(), 0u) << printed_;
}

TEST_F(VmCheckTest, ABreakOutsideTheHeapIsReported)
{
    struct addrspace *as = Exec();
    as->brk = kHeap + 1;  // the heap is still empty
    EXPECT_EQ(Check(), 1u);
    EXPECT_NE(printed_.find("the break 0x403001 lies outside the heap"), std::string::npos)
        << printed_;
    as->brk = kHeap;
}

TEST_F(VmCheckTest, PmemOutOfBalanceIsReported)
{
    paddr_t p;
    ASSERT_EQ(pmem_alloc(&p), ERR_OK);
    pmem_free(p);
    paddr_to_page(p)->refcount = 1;  // a free page with a count
    EXPECT_GE(Check(), 2u);
    EXPECT_NE(printed_.find("pmem: 1 free-list entries are not free pages"), std::string::npos)
        << printed_;
    paddr_to_page(p)->refcount = 0;
    EXPECT_EQ(Check(), 0u) << printed_;
}

TEST_F(VmCheckTest, ChecksWithMemoryExhausted)
{
    struct addrspace *parent = Exec();
    Fork(parent);
    std::vector<paddr_t> hoard = AllocateAllPages();
    EXPECT_EQ(Check(), 0u) << printed_;
    EXPECT_EQ(summary_.pmem.free, 0u);
    FreePages(hoard);
}

TEST_F(VmCheckTest, SetupWithoutMemoryFailsAndTakesNothing)
{
    vm_check_teardown();
    std::vector<paddr_t> hoard = AllocateAllPages();
    pmem_free(hoard.back());  // room for the directory, not for the leaf
    hoard.pop_back();
    EXPECT_EQ(vm_check_setup(), ERR_NOMEM);
    EXPECT_FALSE(vm_check_enabled());
    EXPECT_EQ(pmem_free_pages(), 1u);
    FreePages(hoard);
    ASSERT_EQ(vm_check_setup(), ERR_OK);
}

TEST_F(VmCheckTest, BootTurnsTheCheckerOnOnlyForTheVmcheckWord)
{
    vm_check_teardown();
    cmdline_init("quiet vmcheck=no");
    vm_check_boot();
    EXPECT_FALSE(vm_check_enabled());
    vm_check_or_panic("a test");  // off: returns
    cmdline_init("quiet vmcheck");
    vm_check_boot();
    EXPECT_TRUE(vm_check_enabled());
    EXPECT_NE(fake_console_take_output().find("vmcheck: on"), std::string::npos);
    vm_check_or_panic("a test");  // nothing wrong: returns
    cmdline_init("");
}

TEST_F(VmCheckTest, RestPointsCheckOnlyWhenEveryOtherThreadIsAtRest)
{
    struct addrspace *as = Exec();
    struct vm_check_rest_counts before = vm_check_rest_counts();
    vm_check_at_rest("a test", VM_CHECK_OTHERS_IDLE);
    as->pages_mapped++;  // as a thread part way through a change leaves it
    vm_check_at_rest("a test", VM_CHECK_OTHERS_BUSY);
    as->pages_mapped--;
    struct vm_check_rest_counts after = vm_check_rest_counts();
    EXPECT_EQ(after.checked_idle - before.checked_idle, 1u);
    EXPECT_EQ(after.skipped - before.skipped, 1u);
    EXPECT_EQ(fake_console_take_output().find("vmcheck:"), std::string::npos)
        << "a skipped rest point must not look";

    vm_check_at_rest("a test", VM_CHECK_OTHERS_IDLE);  // after a skip: checks
    vm_check_at_rest("a test", VM_CHECK_OTHERS_IDLE);  // nothing changed: does not
    EXPECT_EQ(vm_check_rest_counts().checked_idle - before.checked_idle, 2u);
    fake_set_current_as(as);
    ASSERT_EQ(handle_page_fault(kData + PAGE_SIZE, false, true, true), FAULT_RESOLVED);
    vm_check_at_rest("a test", VM_CHECK_OTHERS_IDLE);  // a page fault served: checks
    EXPECT_EQ(vm_check_rest_counts().checked_idle - before.checked_idle, 3u);

    vm_check_teardown();
    vm_check_at_rest("a test", VM_CHECK_OTHERS_IDLE);
    vm_check_at_rest("a test", VM_CHECK_OTHERS_BUSY);
    EXPECT_EQ(vm_check_rest_counts().checked_idle, 0u) << "counts start afresh, and only when on";
    ASSERT_EQ(vm_check_setup(), ERR_OK);
    EXPECT_EQ(vm_check_rest_counts().skipped, 0u);
}

TEST_F(VmCheckTest, RestPointsCountChecksByRendezvousAndFailedOnesApart)
{
    struct addrspace *as = Exec();
    struct vm_check_rest_counts before = vm_check_rest_counts();
    vm_check_at_rest("a test", VM_CHECK_OTHERS_PARKED);
    as->pages_mapped++;  // as a thread in kernel code on another CPU leaves it
    vm_check_at_rest("a test", VM_CHECK_RENDEZVOUS_FAILED);
    vm_check_at_rest("a test", VM_CHECK_OTHERS_BUSY);
    as->pages_mapped--;
    EXPECT_EQ(fake_console_take_output().find("vmcheck:"), std::string::npos)
        << "a failed rendezvous must not look";
    vm_check_at_rest("a test", VM_CHECK_OTHERS_PARKED);  // after a skip: checks
    vm_check_at_rest("a test", VM_CHECK_OTHERS_IDLE);    // nothing changed: does not
    struct vm_check_rest_counts after = vm_check_rest_counts();
    EXPECT_EQ(after.checked_parked - before.checked_parked, 2u);
    EXPECT_EQ(after.checked_idle - before.checked_idle, 0u);
    EXPECT_EQ(after.skipped - before.skipped, 2u);
    EXPECT_EQ(after.rendezvous_failed - before.rendezvous_failed, 1u);
}

using VmCheckDeathTest = VmCheckTest;

TEST_F(VmCheckDeathTest, CheckOrPanicPanicsNamingThePlace)
{
    struct addrspace *as = Exec();
    as->pages_mapped++;
    EXPECT_DEATH(vm_check_or_panic("page fault"), "vmcheck: as 0x[0-9a-f]+: pages_mapped is 4.*"
                                                  "panic: vmcheck: 1 violation after page fault");
    as->pages_mapped--;
}

TEST_F(VmCheckDeathTest, RestPointPanicsOnAViolationWhenAllAreAtRest)
{
    struct addrspace *as = Exec();
    as->pages_mapped++;
    EXPECT_DEATH(vm_check_at_rest("a system call", VM_CHECK_OTHERS_IDLE),
                 "panic: vmcheck: 1 violation after a system call");
    EXPECT_DEATH(vm_check_at_rest("a page fault", VM_CHECK_OTHERS_PARKED),
                 "panic: vmcheck: 1 violation after a page fault, the other CPUs parked by a "
                 "rendezvous");
    as->pages_mapped--;
}

}  // namespace
