// Tests of kernel/mm/vm_view.c: the vmmap records of an address space, and
// the lines printed when a process dies of a page fault.
//
// Correctness criteria:
//   1. Regions come in address order, each followed (with OSV_VMMAP_PAGES)
//      by the pages it maps; a region counts its mapped pages.
//   2. After fork, a page of a writable region is read-only in both
//      processes, the same frame with refcount 2: cow-shared; code is
//      shared as it is (r-x, refcount 2).
//   3. After the child writes it, the child maps its own frame, writable,
//      refcount 1; the parent still maps the old frame read-only, now
//      refcount 1: cow-last.
//   4. The count returned is the whole description's, whatever the slot
//      keeps; a page outside every region is listed with no kind.
//   5. The fault report lists the regions and the five pages around the
//      fault, in at most VM_VIEW_REPORT_MAX_LINES lines.

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "testing/fake_console.h"
#include "testing/vm_fixture.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/mm/memperm.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/vm.h"
#include "kernel/mm/vm_view.h"
#include "kernel/syscall_abi.h"
}

inline bool operator==(const osv_vmmap_entry &a, const osv_vmmap_entry &b)
{
    return a.type == b.type && a.kind == b.kind && a.perm == b.perm && a.sharing == b.sharing &&
           a.start == b.start && a.end == b.end && a.pages == b.pages && a.frame == b.frame &&
           a.refs == b.refs;
}

// gtest shows records as vmmap -p would.
inline void PrintTo(const osv_vmmap_entry &e, std::ostream *os)
{
    char perm[4];
    osv_vmmap_perm_string(e.perm, perm);
    if (e.type == OSV_VMMAP_REGION) {
        *os << "region " << Hex(e.start) << "-" << Hex(e.end) << " " << perm << " "
            << osv_vmmap_kind_name(e.kind) << " " << e.pages << " pages";
    } else {
        *os << "page " << Hex(e.start) << " " << perm << " " << osv_vmmap_kind_name(e.kind)
            << " refs " << e.refs << " " << osv_vmmap_sharing_name(e.sharing) << " -> frame "
            << Hex(e.frame) << (e.end != e.start + PAGE_SIZE ? " (bad end)" : "")
            << (e.pages != 1 ? " (bad pages)" : "");
    }
}

namespace {

constexpr uint32_t kR = OSV_VMMAP_READ;
constexpr uint32_t kRW = OSV_VMMAP_READ | OSV_VMMAP_WRITE;
constexpr uint32_t kRX = OSV_VMMAP_READ | OSV_VMMAP_EXEC;

osv_vmmap_entry Region(vaddr_t start, vaddr_t end, uint32_t perm, uint32_t kind, uint64_t pages)
{
    osv_vmmap_entry e = {};
    e.type = OSV_VMMAP_REGION;
    e.kind = kind;
    e.perm = perm;
    e.start = start;
    e.end = end;
    e.pages = pages;
    return e;
}

osv_vmmap_entry Page(vaddr_t va, uint32_t perm, uint32_t kind, uint32_t sharing, paddr_t frame,
                     uint64_t refs)
{
    osv_vmmap_entry e = {};
    e.type = OSV_VMMAP_PAGE;
    e.kind = kind;
    e.perm = perm;
    e.sharing = sharing;
    e.start = va;
    e.end = va + PAGE_SIZE;
    e.pages = 1;
    e.frame = frame;
    e.refs = refs;
    return e;
}

// A slot function that keeps the first `capacity` records, and checks that
// vm_view_describe asks for indices in order.
struct Kept {
    // Room for every record kept from the start: the slots handed out must
    // stay where they are until vm_view_describe returns.
    explicit Kept(size_t capacity_) : capacity(capacity_)
    {
        records.reserve(std::min<size_t>(capacity, 4096));
    }

    size_t capacity;
    std::vector<osv_vmmap_entry> records;
    size_t asked = 0;
    bool in_order = true;
};

osv_vmmap_entry *KeepSlot(void *ctx, size_t index)
{
    Kept *kept = static_cast<Kept *>(ctx);
    kept->in_order = kept->in_order && index == kept->asked;
    kept->asked++;
    if (index >= kept->capacity) {
        return nullptr;
    }
    kept->records.emplace_back();
    return &kept->records.back();
}

class VmViewTest : public VmFixture {
  protected:
    // Every record of as's description (the slot keeps all of them).
    static std::vector<osv_vmmap_entry> Describe(struct addrspace *as, uint32_t flags)
    {
        Kept kept(SIZE_MAX);
        size_t count = vm_view_describe(as, flags, KeepSlot, &kept);
        EXPECT_TRUE(kept.in_order) << "slot indices out of order";
        EXPECT_EQ(count, kept.records.size());
        return kept.records;
    }

    // The console lines vm_view_report_fault prints.
    static std::vector<std::string> Report(struct addrspace *as, vaddr_t addr)
    {
        fake_console_take_output();
        vm_view_report_fault(as, addr);
        std::vector<std::string> lines;
        std::istringstream in(fake_console_take_output());
        for (std::string line; std::getline(in, line);) {
            lines.push_back(line);
        }
        return lines;
    }
};

TEST_F(VmViewTest, LoadedProgramHasItsRegionsAndPagesInAddressOrder)
{
    paddr_t code0 = Frame(as_, kCodeStart);
    paddr_t code1 = Frame(as_, kCodeStart + PAGE_SIZE);
    paddr_t data = Frame(as_, kDataStart);
    paddr_t stack = Frame(as_, kStackTopPage);
    std::vector<osv_vmmap_entry> want = {
        Region(kCodeStart, kDataStart, kRX, OSV_VMMAP_CODE, 2),
        Page(kCodeStart, kRX, OSV_VMMAP_CODE, OSV_VMMAP_PRIVATE, code0, 1),
        Page(kCodeStart + PAGE_SIZE, kRX, OSV_VMMAP_CODE, OSV_VMMAP_PRIVATE, code1, 1),
        Region(kDataStart, kHeapStart, kRW, OSV_VMMAP_DATA, 1),
        Page(kDataStart, kRW, OSV_VMMAP_DATA, OSV_VMMAP_PRIVATE, data, 1),
        Region(kHeapStart, kHeapStart, kRW, OSV_VMMAP_HEAP, 0),
        Region(kStackStart, kStackTop, kRW, OSV_VMMAP_STACK, 1),
        Page(kStackTopPage, kRW, OSV_VMMAP_STACK, OSV_VMMAP_PRIVATE, stack, 1),
    };
    EXPECT_EQ(Describe(as_, OSV_VMMAP_PAGES), want);
}

TEST_F(VmViewTest, WithoutThePagesFlagOnlyRegionsWithTheirCounts)
{
    std::vector<osv_vmmap_entry> want = {
        Region(kCodeStart, kDataStart, kRX, OSV_VMMAP_CODE, 2),
        Region(kDataStart, kHeapStart, kRW, OSV_VMMAP_DATA, 1),
        Region(kHeapStart, kHeapStart, kRW, OSV_VMMAP_HEAP, 0),
        Region(kStackStart, kStackTop, kRW, OSV_VMMAP_STACK, 1),
    };
    EXPECT_EQ(Describe(as_, 0), want);
}

TEST_F(VmViewTest, AfterForkBothSeeTheSameFramesCowSharedWithRefcountTwo)
{
    struct addrspace *child = Fork(as_);
    ASSERT_NE(child, nullptr);
    paddr_t code0 = Frame(as_, kCodeStart);
    paddr_t code1 = Frame(as_, kCodeStart + PAGE_SIZE);
    paddr_t data = Frame(as_, kDataStart);
    paddr_t stack = Frame(as_, kStackTopPage);
    std::vector<osv_vmmap_entry> want = {
        Region(kCodeStart, kDataStart, kRX, OSV_VMMAP_CODE, 2),
        Page(kCodeStart, kRX, OSV_VMMAP_CODE, OSV_VMMAP_SHARED, code0, 2),
        Page(kCodeStart + PAGE_SIZE, kRX, OSV_VMMAP_CODE, OSV_VMMAP_SHARED, code1, 2),
        Region(kDataStart, kHeapStart, kRW, OSV_VMMAP_DATA, 1),
        Page(kDataStart, kR, OSV_VMMAP_DATA, OSV_VMMAP_COW_SHARED, data, 2),
        Region(kHeapStart, kHeapStart, kRW, OSV_VMMAP_HEAP, 0),
        Region(kStackStart, kStackTop, kRW, OSV_VMMAP_STACK, 1),
        Page(kStackTopPage, kR, OSV_VMMAP_STACK, OSV_VMMAP_COW_SHARED, stack, 2),
    };
    EXPECT_EQ(Describe(as_, OSV_VMMAP_PAGES), want);
    EXPECT_EQ(Describe(child, OSV_VMMAP_PAGES), want);
}

TEST_F(VmViewTest, ChildWriteGivesItItsOwnFrameAndLeavesTheParentTheLastSharer)
{
    struct addrspace *child = Fork(as_);
    ASSERT_NE(child, nullptr);
    paddr_t shared = Frame(as_, kDataStart);
    Switch(child);
    ASSERT_EQ(Touch(kDataStart, kWrite), FAULT_RESOLVED);
    paddr_t own = Frame(child, kDataStart);
    ASSERT_NE(own, shared);

    struct osv_vmmap_entry e;
    ASSERT_EQ(vm_view_page(child, kDataStart, &e), ERR_OK);
    EXPECT_EQ(e, Page(kDataStart, kRW, OSV_VMMAP_DATA, OSV_VMMAP_PRIVATE, own, 1));
    ASSERT_EQ(vm_view_page(as_, kDataStart, &e), ERR_OK);
    EXPECT_EQ(e, Page(kDataStart, kR, OSV_VMMAP_DATA, OSV_VMMAP_COW_LAST, shared, 1));

    // The whole child: only the written page changed.
    std::vector<osv_vmmap_entry> records = Describe(child, OSV_VMMAP_PAGES);
    ASSERT_EQ(records.size(), 8u);
    EXPECT_EQ(records[4], Page(kDataStart, kRW, OSV_VMMAP_DATA, OSV_VMMAP_PRIVATE, own, 1));
    EXPECT_EQ(records[7], Page(kStackTopPage, kR, OSV_VMMAP_STACK, OSV_VMMAP_COW_SHARED,
                               Frame(as_, kStackTopPage), 2));
}

TEST_F(VmViewTest, ParentsWriteAfterTheChildsIsInPlaceAndPrivate)
{
    struct addrspace *child = Fork(as_);
    ASSERT_NE(child, nullptr);
    paddr_t shared = Frame(as_, kDataStart);
    Switch(child);
    ASSERT_EQ(Touch(kDataStart, kWrite), FAULT_RESOLVED);
    Switch(as_);
    ASSERT_EQ(Touch(kDataStart, kWrite), FAULT_RESOLVED);

    struct osv_vmmap_entry e;
    ASSERT_EQ(vm_view_page(as_, kDataStart, &e), ERR_OK);
    EXPECT_EQ(e, Page(kDataStart, kRW, OSV_VMMAP_DATA, OSV_VMMAP_PRIVATE, shared, 1));
}

TEST_F(VmViewTest, PageLookupOfAnAbsentPageIsErrFault)
{
    struct osv_vmmap_entry e = {};
    EXPECT_EQ(vm_view_page(as_, kBss, &e), ERR_FAULT);
    EXPECT_EQ(vm_view_page(as_, kGuard, &e), ERR_FAULT);
    EXPECT_EQ(vm_view_page(as_, VPMAP_USER_TOP, &e), ERR_FAULT);
    EXPECT_EQ(e.type, 0u) << "untouched on error";
}

TEST_F(VmViewTest, HeapPagesAreCountedInTheHeapRegion)
{
    vaddr_t old_brk;
    ASSERT_EQ(as_sbrk(as_, 3 * PAGE_SIZE, &old_brk), ERR_OK);
    ASSERT_EQ(Touch(kHeapStart + 2 * PAGE_SIZE, kWrite), FAULT_RESOLVED);
    std::vector<osv_vmmap_entry> records = Describe(as_, OSV_VMMAP_PAGES);
    ASSERT_EQ(records.size(), 9u);
    EXPECT_EQ(records[5], Region(kHeapStart, kHeapStart + 3 * PAGE_SIZE, kRW, OSV_VMMAP_HEAP, 1));
    EXPECT_EQ(records[6], Page(kHeapStart + 2 * PAGE_SIZE, kRW, OSV_VMMAP_HEAP, OSV_VMMAP_PRIVATE,
                               Frame(as_, kHeapStart + 2 * PAGE_SIZE), 1));
}

TEST_F(VmViewTest, CountIsTheWholeDescriptionWhateverTheSlotKeeps)
{
    Kept kept(3);
    EXPECT_EQ(vm_view_describe(as_, OSV_VMMAP_PAGES, KeepSlot, &kept), 8u);
    EXPECT_TRUE(kept.in_order);
    ASSERT_EQ(kept.records.size(), 3u);
    // The code region's record is complete although the next records were
    // only counted.
    EXPECT_EQ(kept.records[0], Region(kCodeStart, kDataStart, kRX, OSV_VMMAP_CODE, 2));

    Kept none(0);
    EXPECT_EQ(vm_view_describe(as_, 0, KeepSlot, &none), 4u);
    EXPECT_TRUE(none.records.empty());
}

TEST_F(VmViewTest, PageOutsideEveryRegionIsListedWithNoKind)
{
    // What the checker calls a violation; the view shows it rather than hide
    // it. Mapped by hand, unmapped again before TearDown's check.
    const vaddr_t stray = kHeapStart + 16 * PAGE_SIZE;
    paddr_t frame;
    ASSERT_EQ(pmem_alloc(&frame), ERR_OK);
    ASSERT_EQ(vpmap_map(as_->vpmap, stray, frame, 1, MEMPERM_UR), ERR_OK);
    std::vector<osv_vmmap_entry> records = Describe(as_, OSV_VMMAP_PAGES);
    ASSERT_EQ(records.size(), 9u);
    EXPECT_EQ(records[5], Region(kHeapStart, kHeapStart, kRW, OSV_VMMAP_HEAP, 0));
    EXPECT_EQ(records[6], Page(stray, kR, OSV_VMMAP_NOKIND, OSV_VMMAP_PRIVATE, frame, 1));
    EXPECT_EQ(records[7], Region(kStackStart, kStackTop, kRW, OSV_VMMAP_STACK, 1));
    EXPECT_EQ(vpmap_unmap(as_->vpmap, stray, 1, nullptr, nullptr), 1u);
    pmem_free(frame);
}

TEST_F(VmViewTest, FaultReportListsRegionsAndThePagesAroundTheFault)
{
    struct addrspace *child = Fork(as_);
    ASSERT_NE(child, nullptr);
    std::vector<std::string> want = {
        "  region " + Hex(kCodeStart) + "-" + Hex(kDataStart) + " r-x code 2/2 pages",
        "  region " + Hex(kDataStart) + "-" + Hex(kHeapStart) + " rw- data 1/2 pages",
        "  region " + Hex(kHeapStart) + "-" + Hex(kHeapStart) + " rw- heap 0/0 pages",
        "  region " + Hex(kStackStart) + "-" + Hex(kStackTop) + " rw- stack 1/10 pages",
        "  page " + Hex(kDataStart) + " r-- refs 2 cow-shared -> frame " +
            Hex(Frame(as_, kDataStart)),
        "  page " + Hex(kBss) + " not mapped, in data",
        "  page " + Hex(kHeapStart) + " not mapped, in no region <- fault",
        "  page " + Hex(kHeapStart + PAGE_SIZE) + " not mapped, in no region",
        "  page " + Hex(kHeapStart + 2 * PAGE_SIZE) + " not mapped, in no region",
    };
    EXPECT_EQ(Report(as_, kHeapStart + 0x10), want);
}

TEST_F(VmViewTest, FaultReportNearAddressZeroStartsAtPageZero)
{
    std::vector<std::string> lines = Report(as_, 0x10);
    ASSERT_EQ(lines.size(), 4u + 3u);
    EXPECT_EQ(lines[4], "  page 0x0 not mapped, in no region <- fault");
    EXPECT_EQ(lines[6], "  page 0x2000 not mapped, in no region");
}

TEST_F(VmViewTest, FaultReportAtAKernelAddressListsOnlyRegions)
{
    std::vector<std::string> lines = Report(as_, VPMAP_USER_TOP + 0x1000);
    EXPECT_EQ(lines.size(), 4u);
}

TEST_F(VmViewTest, FaultReportOfManyRegionsStaysBounded)
{
    struct addrspace *as = NewAddrspace();
    ASSERT_NE(as, nullptr);
    for (int i = 0; i < 12; i++) {
        ASSERT_EQ(as_map_memregion(as, kCodeStart + 2 * i * PAGE_SIZE, PAGE_SIZE, MEMPERM_UR,
                                   MEMREGION_DATA, nullptr),
                  ERR_OK);
    }
    std::vector<std::string> lines = Report(as, kCodeStart + 4 * PAGE_SIZE);
    ASSERT_EQ(lines.size(), 8u + 1u + 5u);
    EXPECT_LE(lines.size(), static_cast<size_t>(VM_VIEW_REPORT_MAX_LINES));
    EXPECT_EQ(lines[8], "  ... and 4 more regions");
    EXPECT_EQ(lines[11],
              "  page " + Hex(kCodeStart + 4 * PAGE_SIZE) + " not mapped, in data <- fault");
}

}  // namespace
