#pragma once

// VmFixture: a process's address space on the host, for the tests of
// kernel/mm/vm.c and kernel/pgfault.c.
//
// SetUp loads a small program with exec's loader (kernel/exec.h), on a fresh
// arena (PmemTest), and makes its address space the current one
// (as_current()):
//
//   kCodeStart   code  (URX) 2 pages, both loaded (mapped, filled)
//   kDataStart   data  (URW) 2 pages: the first loaded (initialized data),
//                            the second absent (bss: demand-zero)
//   kHeapStart   heap  (URW) empty; the break is here
//        ...
//   kGuard       the lowest page of the stack guard gap: in no region
//   kStackStart  stack (URW) USTACK_PAGES pages; only the top one mapped
//   kStackTop    (USTACK_UPPERBOUND)
//
// So 4 pages are mapped (kLoadedPages) and every fault counter is 0.
//
// The fixture runs on whichever page table the build links (arch/vpmap.h):
// the fake (testing/fake_vpmap.h) by default, so that a fault handler is
// judged against a page table known to be right, and the real x86_64 tables
// in the tests' "_x86_64" twins (testing/BUILD.bazel, vpmap_backend). So it
// looks at page tables through arch/vpmap.h only, and flushes through the
// MMU that both report to (testing/fake_mmu.h).
//
// The helpers play the parts of the hardware and of the process code:
//   Touch(va, kWrite)   the MMU: no fault if the current address space maps
//                       va with enough permission, else handle_page_fault
//                       with present = "va is mapped"; returns the verdict;
//   Peek, Poke          read or write a byte through a page table (no fault);
//   Fork, Exit, Switch  as_copy, as_destroy, and changing the current process.
//
// Checks made for every test, in TearDown (and by tests, mid-way, with
// ExpectInvariants): the kernel's invariant checker, vm_check, finds nothing
// wrong in any address space still alive or in pmem's books (every refcount
// equals the mappings of its page, every mapping lies in a region with no
// more permission, pages_mapped and the page-table count are right, ...);
// then, after destroying them all: pmem's free pages are back at the
// baseline (PmemTest), so no page, page table or kmalloc'd struct leaked.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "testing/elf_builder.h"
#include "testing/fake_console.h"
#include "testing/fake_current.h"
#include "testing/fake_mmu.h"
#include "testing/pmem_fixture.h"
#include "testing/pmem_hoard.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "arch/x86_64/mmu.h"
#include "kernel/exec.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/vm.h"
#include "kernel/mm/vm_check.h"
#include "kernel/mm/vm_eager.h"
#include "kernel/pgfault.h"
}

// gtest prints verdicts by name ("FAULT_PERMISSION"), not as numbers.
inline void PrintTo(enum fault_verdict verdict, std::ostream *os)
{
    static const char *const names[] = {
        "FAULT_RESOLVED",       "FAULT_BAD_ADDRESS",   "FAULT_STACK_OVERFLOW", "FAULT_PERMISSION",
        "FAULT_KERNEL_ADDRESS", "FAULT_OUT_OF_MEMORY", "FAULT_KERNEL_BUG",
    };
    unsigned i = static_cast<unsigned>(verdict);
    *os << (i < sizeof names / sizeof names[0] ? names[i] : "verdict?");
}

// And permissions by name ("MEMPERM_URW").
inline void PrintTo(memperm_t perm, std::ostream *os)
{
    switch (static_cast<int>(perm)) {
    case MEMPERM_UR:
        *os << "MEMPERM_UR";
        return;
    case MEMPERM_URW:
        *os << "MEMPERM_URW";
        return;
    case MEMPERM_URX:
        *os << "MEMPERM_URX";
        return;
    default:
        *os << "memperm 0x" << std::hex << static_cast<int>(perm) << std::dec;
    }
}

// "0x..." for messages about addresses.
inline std::string Hex(uint64_t value)
{
    char text[32];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
    return text;
}

// Fault counters a test expects. Name only those that are not zero:
//   EXPECT_TRUE(StatsAre(as_->stats, {.page_faults = 1, .demand_zero_faults = 1}));
// (pages_shared is counted system-wide only: tests check vm_global_stats.)
struct FaultCounts {
    uint64_t page_faults = 0;
    uint64_t demand_zero_faults = 0;
    uint64_t cow_faults = 0;
    uint64_t cow_copies = 0;
    uint64_t cow_reused = 0;
};

inline testing::AssertionResult StatsAre(const struct vm_stats &actual, const FaultCounts &expected)
{
    auto text = [](uint64_t faults, uint64_t zero, uint64_t cow, uint64_t copies, uint64_t reused) {
        return "page_faults " + std::to_string(faults) + ", demand_zero_faults " +
               std::to_string(zero) + ", cow_faults " + std::to_string(cow) + ", cow_copies " +
               std::to_string(copies) + ", cow_reused " + std::to_string(reused);
    };
    std::string got = text(actual.page_faults, actual.demand_zero_faults, actual.cow_faults,
                           actual.cow_copies, actual.cow_reused);
    std::string want = text(expected.page_faults, expected.demand_zero_faults, expected.cow_faults,
                            expected.cow_copies, expected.cow_reused);
    if (got == want) {
        return testing::AssertionSuccess();
    }
    return testing::AssertionFailure() << "counted  " << got << "\nexpected " << want;
}

class VmFixture : public PmemTest {
  protected:
    // The layout SetUp builds (see the top of this file).
    static constexpr vaddr_t kCodeStart = USER_REGION_MIN;
    static constexpr vaddr_t kDataStart = kCodeStart + 2 * PAGE_SIZE;
    static constexpr vaddr_t kBss = kDataStart + PAGE_SIZE;  // the data region's absent page
    static constexpr vaddr_t kHeapStart = kDataStart + 2 * PAGE_SIZE;
    static constexpr vaddr_t kStackTop = USTACK_UPPERBOUND;
    static constexpr vaddr_t kStackStart = kStackTop - USTACK_PAGES * PAGE_SIZE;
    static constexpr vaddr_t kStackTopPage = kStackTop - PAGE_SIZE;  // mapped by as_map_stack
    static constexpr vaddr_t kGuard = kStackStart - USTACK_GUARD_PAGES * PAGE_SIZE;
    static constexpr size_t kLoadedPages = 4;  // 2 code + 1 data + the stack's top page

    // Bytes the loaded pages hold.
    static constexpr uint8_t kCodeByte = 0xc3;
    static constexpr uint8_t kDataByte = 0x5d;

    // User accesses, for Touch.
    enum Access { kRead, kWrite, kExecute };

    // Touch's answer when the access needed no fault.
    static constexpr std::optional<enum fault_verdict> kNoFault{};

    explicit VmFixture(size_t arena_pages = 128) : PmemTest(arena_pages)
    {
    }

    void SetUp() override
    {
        PmemTest::SetUp();
        kmalloc_init();
        fake_mmu_reset();
        // The checker's counter pages are held all test long: not a leak.
        ASSERT_EQ(vm_check_setup(), ERR_OK);
        ResetBaseline();

        // The program, loaded by exec's own loader.
        std::vector<uint8_t> program = Program();
        struct exec_image image;
        ASSERT_EQ(exec_load_image(program.data(), program.size(), 0, nullptr, &image), ERR_OK);
        as_ = image.as;
        spaces_.push_back(as_);
        ASSERT_EQ(as_->heap->start, kHeapStart);
        ASSERT_EQ(as_->pages_mapped, kLoadedPages)
            << "exec maps the loaded code and data pages and the stack's top page only";

        Switch(as_);
        vm_global_stats = {};
        Flushes(as_);  // nothing a test did
    }

    void TearDown() override
    {
        ReleasePmem();
        ExpectInvariants();
        vpmap_load(vpmap_kernel());  // as exit does: no address space is active
        for (struct addrspace *as : spaces_) {
            as_destroy(as);
        }
        spaces_.clear();
        as_ = nullptr;
        fake_set_current_as(nullptr);
        roots_.clear();
        EXPECT_EQ(pmem_free_pages(), baseline_free_pages())
            << "free pages are not back at the baseline: a leak (fewer) or a double free (more)";
        vm_check_teardown();
        ResetBaseline();
        PmemTest::TearDown();
    }

    // The ELF file of the program SetUp loads: its code (2 pages of
    // kCodeByte, from file offset PAGE_SIZE: the headers take the first
    // page) and its data (a page of kDataByte from the file, then a page of
    // bss).
    static std::vector<uint8_t> Program()
    {
        ElfImage img = ElfExecutable(kCodeStart, 4 * PAGE_SIZE);
        img.SetPhdrs({
            ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, kCodeStart, PAGE_SIZE, 2 * PAGE_SIZE,
                       2 * PAGE_SIZE),
            ElfSegment(ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, kDataStart, 3 * PAGE_SIZE, PAGE_SIZE,
                       2 * PAGE_SIZE),
        });
        std::vector<uint8_t> bytes = img.Bytes();
        std::memset(bytes.data() + PAGE_SIZE, kCodeByte, 2 * PAGE_SIZE);
        std::memset(bytes.data() + 3 * PAGE_SIZE, kDataByte, PAGE_SIZE);
        return bytes;
    }

    // --- The MMU ---------------------------------------------------------

    // Does the current address space let the user access va without a fault?
    static bool MmuAllows(vaddr_t va, Access access)
    {
        std::optional<FakeTranslation> m = Mapping(as_current(), va);
        if (!m) {
            return false;
        }
        return access == kRead || (access == kWrite && (m->perm & MEMPERM_WRITE)) ||
               (access == kExecute && (m->perm & MEMPERM_EXEC));
    }

    // A user access to va by the current process, as the MMU sees it: no
    // fault (kNoFault) when the page is mapped with enough permission, else a
    // page fault with present = "the page is mapped" and the verdict of
    // handle_page_fault. A resolved fault must leave the access possible: the
    // instruction runs again and must not fault again.
    // (Addresses in the kernel half fault here as not present; on x86 they
    // are present, supervisor-only. The handler must not care.)
    std::optional<enum fault_verdict> Touch(vaddr_t va, Access access)
    {
        if (MmuAllows(va, access)) {
            return kNoFault;
        }
        bool present = Mapping(as_current(), va).has_value();
        enum fault_verdict verdict =
            handle_page_fault(va, present, access == kWrite, /*user=*/true);
        if (verdict == FAULT_RESOLVED && !MmuAllows(va, access)) {
            ADD_FAILURE() << "the fault at " << Hex(va)
                          << " was resolved, but the access would fault again";
        }
        return verdict;
    }

    // --- Page tables and pages -------------------------------------------

    // The mapping of the page containing va in as (its frame and its
    // permission as the page table reports it), or nothing.
    static std::optional<FakeTranslation> Mapping(struct addrspace *as, vaddr_t va)
    {
        paddr_t frame;
        memperm_t perm;
        if (va >= VPMAP_USER_TOP ||
            vpmap_lookup_vaddr(as->vpmap, pg_round_down(va), &frame, &perm) != ERR_OK) {
            return std::nullopt;
        }
        return FakeTranslation{frame, perm};
    }

    // Every mapping of as, by virtual page.
    static std::map<vaddr_t, FakeTranslation> Mappings(struct addrspace *as)
    {
        std::map<vaddr_t, FakeTranslation> mappings;
        vpmap_for_each_mapping(
            as->vpmap,
            [](void *ctx, vaddr_t va, paddr_t frame, memperm_t perm) {
                (*static_cast<std::map<vaddr_t, FakeTranslation> *>(ctx))[va] = {frame, perm};
            },
            &mappings);
        return mappings;
    }

    // The frame mapped at va in as (the test fails if there is none).
    static paddr_t Frame(struct addrspace *as, vaddr_t va)
    {
        std::optional<FakeTranslation> m = Mapping(as, va);
        EXPECT_TRUE(m) << Hex(va) << " is not mapped";
        return m ? m->paddr : 0;
    }

    static int Refcount(paddr_t frame)
    {
        return pmem_refcount(frame);
    }

    // The byte at va, read through as's page table.
    static uint8_t Peek(struct addrspace *as, vaddr_t va)
    {
        paddr_t pa;
        if (vpmap_lookup_vaddr(as->vpmap, va, &pa, nullptr) != ERR_OK) {
            ADD_FAILURE() << "Peek: " << Hex(va) << " is not mapped";
            return 0;
        }
        return *static_cast<uint8_t *>(kmap_p2v(pa));
    }

    // Writes the byte at va through as's page table, whatever its permission
    // (the kernel's view; a user write goes through Touch first).
    static void Poke(struct addrspace *as, vaddr_t va, uint8_t value)
    {
        paddr_t pa;
        if (vpmap_lookup_vaddr(as->vpmap, va, &pa, nullptr) != ERR_OK) {
            ADD_FAILURE() << "Poke: " << Hex(va) << " is not mapped";
            return;
        }
        *static_cast<uint8_t *>(kmap_p2v(pa)) = value;
    }

    static void FillPage(struct addrspace *as, vaddr_t va, uint8_t value)
    {
        std::memset(kmap_p2v(Frame(as, va)), value, PAGE_SIZE);
    }

    // Does every byte of the page mapped at va hold `value`?
    static bool PageHolds(struct addrspace *as, vaddr_t va, uint8_t value)
    {
        const uint8_t *bytes = static_cast<const uint8_t *>(kmap_p2v(Frame(as, va)));
        for (size_t i = 0; i < PAGE_SIZE; i++) {
            if (bytes[i] != value) {
                return false;
            }
        }
        return true;
    }

    // The pages whose TLB entries as's page table flushed since the last
    // call, while it was the active one (an inactive one needs no flush):
    // the invalidations the MMU received under its root, each page once, in
    // ascending order. (The real tables may invalidate a page twice: for its
    // entry and again for a table freed under it.)
    std::vector<vaddr_t> Flushes(struct addrspace *as)
    {
        auto root = roots_.find(as);
        if (root == roots_.end()) {
            return {};  // never active: nothing to flush
        }
        std::vector<vaddr_t> pages = fake_mmu_take_invalidations_in(root->second);
        std::sort(pages.begin(), pages.end());
        pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
        return pages;
    }

    static size_t MappedPages(struct addrspace *as)
    {
        return Mappings(as).size();
    }

    // --- Processes -------------------------------------------------------

    // How Fork copies the parent.
    enum ForkKind { kCopyOnWrite, kEager };

    // fork: a copy of `parent`, destroyed in TearDown unless the test calls
    // Exit. The parent's flushes are left for the test. kEager is the fork of
    // kernel/mm/vm_eager.h (every page copied now). A fork that fails stops
    // the test (an exception, which GoogleTest reports as the failure): no
    // test can go on without its child.
    struct addrspace *Fork(struct addrspace *parent, ForkKind kind = kCopyOnWrite)
    {
        struct addrspace *child = nullptr;
        err_t err = kind == kEager ? as_copy_eager(parent, &child) : as_copy(parent, &child);
        if (err != ERR_OK || child == nullptr) {
            throw std::runtime_error(std::string(kind == kEager ? "as_copy_eager" : "as_copy") +
                                     " failed: " + err_name(err));
        }
        spaces_.push_back(child);
        return child;
    }

    // An empty address space (no regions), destroyed in TearDown.
    struct addrspace *NewAddrspace()
    {
        struct addrspace *as = nullptr;
        EXPECT_EQ(as_create(&as), ERR_OK);
        if (as != nullptr) {
            spaces_.push_back(as);
        }
        return as;
    }

    // The process exits: its address space is destroyed.
    void Exit(struct addrspace *as)
    {
        for (auto it = spaces_.begin(); it != spaces_.end(); ++it) {
            if (*it == as) {
                spaces_.erase(it);
                break;
            }
        }
        if (as_current() == as) {
            fake_set_current_as(nullptr);
            vpmap_load(vpmap_kernel());
        }
        if (as_ == as) {
            as_ = nullptr;
        }
        Flushes(as);  // its root may be another's next
        roots_.erase(as);
        as_destroy(as);
    }

    // The process owning `as` runs: faults (Touch) now happen in it, and its
    // page table is the active one (so its changes are flushed: Flushes).
    void Switch(struct addrspace *as)
    {
        fake_set_current_as(as);
        vpmap_load(as->vpmap);
        roots_[as] = mmu_active_root();
    }

    // --- Memory pressure -------------------------------------------------

    // Takes every free page but `left`, so that the next pmem_alloc after
    // those fails: how tests run the kernel out of memory at any point (for
    // pages, page tables and kmalloc alike).
    void ExhaustPmem(size_t left = 0)
    {
        PmemTakeAllBut(left, &hoard_);
    }

    // Gives back what ExhaustPmem took.
    void ReleasePmem()
    {
        PmemGiveBack(&hoard_);
    }

    // --- Invariants ------------------------------------------------------

    // The kernel's own invariant checker (kernel/mm/vm_check.h) over every
    // live address space and pmem's books; its lines name each violation.
    void ExpectInvariants() const
    {
        fake_console_take_output();
        EXPECT_EQ(vm_check(nullptr), 0u) << fake_console_take_output();
    }

    struct addrspace *as_ = nullptr;  // the process SetUp built; current unless switched

  private:
    std::vector<struct addrspace *> spaces_;       // every live address space
    std::vector<paddr_t> hoard_;                   // pages ExhaustPmem took
    std::map<struct addrspace *, paddr_t> roots_;  // the root each had when Switch loaded it
};
