#pragma once

// arch/vpmap.h's contract, written once and run against both backends: the
// real x86_64 tables (arch/x86_64/vpmap_test.cc, on the host arena) and the
// fake (testing/fake_vpmap_test.cc), so that the fake cannot drift from the
// real one. Each promise of the header is checked here, in one place.
//
// A backend's test file instantiates the four suites (VpmapContract,
// VpmapContractDeathTest, VpmapThroughTheMmu, VpmapOnSeveralCpus) with a type that names the
// backend (see the two test files). Both backends report TLB flushes to the same
// recorder, testing/fake_mmu (invlpg: mmu_invalidate_page; a whole flush:
// mmu_load_root), so a missing flush shows the same way in either.
//
// Both hold the tables x86_64 needs (arch/x86_64/pte.h): the root, and one
// table per 512 GiB (PDPT), 1 GiB (PD) and 2 MiB (PT) span that maps a
// page; every table page is a pmem page. Every test ends with free pages back
// at the baseline (PmemTest).
//
// Criteria checked (one test each, named after the promise):
//  Map       vpmap_map translates every page, offset kept, with the
//            permission; it touches no reference count; a mapped page
//            panics; out of memory (first page or part way) maps nothing
//            and leaves no table behind.
//  Perm      lookup and for_each_mapping report permissions as x86_64 does:
//            every mapping readable (kernel/mm/memperm.h), whichever call
//            made it or changed it (map, set_perm, replace, cow_copy).
//  Unmap     skips holes and returns the count; KEEP leaves the reference,
//            DEC drops it; tables that empty are freed (never the root).
//  SetPerm   changes every mapped page in the range, skips holes.
//  Lookup    offset kept; ERR_FAULT for holes and at or above VPMAP_USER_TOP.
//  ForEach   for_each_mapping visits exactly the mapped pages, ascending;
//            for_each_table visits the root first, then every table once,
//            as many as vpmap_table_pages counts, and pmem gave them.
//  Cow       cow_copy shares each mapped page of the range (refcount + 1)
//            with the permission in both, skips holes, and gives dst no
//            table for a range without pages; out of memory it undoes dst
//            (references and tables) and src keeps its pages.
//  Replace   swaps the page in place, drops the old reference, takes over
//            the caller's, allocates nothing.
//  Flush     every change of a translation of the ACTIVE vpmap (unmap,
//            set_perm, replace, cow_copy's source) is flushed before the
//            call returns; an inactive vpmap gets no flush at all;
//            vpmap_flush_tlb(_all) flush only the active one.
//  Destroy   drops every reference still mapped and frees every table.
//  Mmu       (VpmapThroughTheMmu) the same, as the simulated CPU sees it
//            (testing/fake_mmu.h): after each change of the active vpmap
//            (set_perm, cow_copy, replace, unmap, a load) the next user access
//            sees the new mapping; the first access walks the tables and later
//            ones hit the TLB; without single-page flushes a stale
//            translation survives, so the MMU model can tell.
//  Cpus      (VpmapOnSeveralCpus) the same with the vpmap loaded on
//            several simulated CPUs (testing/fake_cpus.h), each with its
//            own TLB: a change made on any CPU, one with the vpmap loaded or
//            not, is seen by the next access on every CPU that has it
//            loaded; CPUs without it get no call; one round of calls per
//            call (one per 32 pages handed back by unmap), a whole flush
//            for many pages; unmap hands a page back only once no CPU
//            caches it; with the calls lost, a stale translation survives
//            on the other CPUs.
//  Panics    (death tests) bad ranges (unaligned, kernel half, past the
//            top) in every call, an unaligned frame, a permission without
//            MEMPERM_USER, replacing an absent page, copying onto a mapped
//            one, destroying the active vpmap, or one another CPU has
//            loaded.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "testing/fake_cpus.h"
#include "testing/fake_mmu.h"
#include "testing/pmem_fixture.h"
#include "testing/pmem_hoard.h"
#include "gtest/gtest.h"

extern "C" {
#include "arch/cpus.h"
#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/mm/pmem.h"
}

namespace vpmap_contract {

constexpr vaddr_t kBase = 0x400000;
constexpr vaddr_t kPtSpan = 2ull << 20;
constexpr vaddr_t kPdSpan = 1ull << 30;
constexpr vaddr_t kPdptSpan = 512ull << 30;

// A vpmap_table_fn that counts the tables (ctx: a size_t).
inline void CountTable(void *ctx, paddr_t)
{
    ++*static_cast<size_t *>(ctx);
}

// How many table pages a walk of v's tables finds.
inline size_t TablesWalked(struct vpmap *v)
{
    size_t walked = 0;
    vpmap_for_each_table(v, CountTable, &walked);
    return walked;
}

inline std::vector<paddr_t> TablesOf(struct vpmap *v)
{
    std::vector<paddr_t> tables;
    vpmap_for_each_table(
        v, [](void *ctx, paddr_t t) { static_cast<std::vector<paddr_t> *>(ctx)->push_back(t); },
        &tables);
    return tables;
}

struct Mapping {
    vaddr_t vaddr;
    paddr_t paddr;
    memperm_t perm;
    bool operator==(const Mapping &o) const
    {
        return vaddr == o.vaddr && paddr == o.paddr && perm == o.perm;
    }
};

inline std::ostream &operator<<(std::ostream &os, const Mapping &m)
{
    return os << "{va 0x" << std::hex << m.vaddr << " pa 0x" << m.paddr << " perm 0x" << m.perm
              << std::dec << "}";
}

inline std::vector<Mapping> MappingsOf(struct vpmap *v)
{
    std::vector<Mapping> seen;
    vpmap_for_each_mapping(
        v,
        [](void *ctx, vaddr_t va, paddr_t pa, memperm_t perm) {
            static_cast<std::vector<Mapping> *>(ctx)->push_back({va, pa, perm});
        },
        &seen);
    return seen;
}

// A fresh page (the caller's reference: the mapping takes it over).
inline paddr_t NewPage()
{
    paddr_t page = 0;
    EXPECT_EQ(pmem_alloc(&page), ERR_OK);
    return page;
}

inline int Refcount(paddr_t page)
{
    return pmem_refcount(page);
}

// The owner's part when pages leave a page table (kernel/mm/vm.h): each
// mapping held a reference, which goes with it. For vpmap_unmap.
inline void DropReference(void *, vaddr_t, paddr_t page, memperm_t)
{
    pmem_dec_refcnt(page);
}

// What the MMU was told to drop: pages invalidated one by one, and how many
// times a root was loaded (which drops every user-half translation).
struct Flushes {
    std::vector<vaddr_t> pages;
    int root_loads = 0;

    bool Covers(vaddr_t va) const
    {
        return root_loads > 0 || std::count(pages.begin(), pages.end(), va) > 0;
    }
    bool None() const
    {
        return pages.empty() && root_loads == 0;
    }
};

inline std::ostream &operator<<(std::ostream &os, const Flushes &f)
{
    os << "invalidated {" << std::hex;
    for (vaddr_t va : f.pages) {
        os << " 0x" << va;
    }
    return os << " }" << std::dec << ", roots loaded " << f.root_loads;
}

template <typename Backend> class VpmapContract : public PmemTest {
  protected:
    void SetUp() override
    {
        PmemTest::SetUp();
        fake_mmu_reset();  // no vpmap of the test's is active, nothing injected
        ASSERT_EQ(vpmap_create(&v_), ERR_OK);
        TakeFlushes();
    }

    // The tests play the owner of the pages (kernel/mm/vm.h): every mapping
    // holds one reference. So what is still mapped at the end is dropped
    // here, once per mapping, and every page goes back.
    void TearDown() override
    {
        fake_mmu_reset();  // destroying the active vpmap is a bug
        for (struct vpmap *v : {v_, other_}) {
            if (v != nullptr) {
                vpmap_unmap(v, 0, VPMAP_USER_TOP / PAGE_SIZE, DropReference, nullptr);
                vpmap_destroy(v);
            }
        }
        PmemTest::TearDown();
    }

    // The owner's part after a vpmap_cow_copy into dst: each page mapped in
    // dst among the n at va holds a reference too.
    static void TakeReferences(struct vpmap *dst, vaddr_t va, size_t n)
    {
        for (const Mapping &m : MappingsOf(dst)) {
            if (m.vaddr >= va && m.vaddr < va + n * PAGE_SIZE) {
                pmem_inc_refcnt(m.paddr);
            }
        }
    }

    // vpmap_cow_copy, and the owner's part.
    static err_t CowCopy(struct vpmap *dst, struct vpmap *src, vaddr_t va, size_t n, memperm_t perm)
    {
        err_t err = vpmap_cow_copy(dst, src, va, n, perm);
        TakeReferences(dst, va, n);
        return err;
    }

    // vpmap_replace, and the owner's part: the old mapping's reference goes.
    static void Replace(struct vpmap *v, vaddr_t va, paddr_t page, memperm_t perm)
    {
        pmem_dec_refcnt(vpmap_replace(v, va, page, perm));
    }

    // A second vpmap (cow_copy's destination), destroyed in TearDown.
    struct vpmap *Other()
    {
        if (other_ == nullptr) {
            EXPECT_EQ(vpmap_create(&other_), ERR_OK);
        }
        return other_;
    }

    void Activate()
    {
        vpmap_load(v_);
        TakeFlushes();
    }

    // The flushes since the last call.
    Flushes TakeFlushes()
    {
        Flushes f;
        f.pages = fake_mmu_take_invalidations();
        f.root_loads = fake_mmu_root_loads() - root_loads_seen_;
        root_loads_seen_ = fake_mmu_root_loads();
        return f;
    }

    // Maps a fresh page at va with perm; returns it.
    paddr_t MapNew(struct vpmap *v, vaddr_t va, memperm_t perm = MEMPERM_URW)
    {
        paddr_t page = NewPage();
        EXPECT_EQ(vpmap_map(v, va, page, 1, perm), ERR_OK);
        return page;
    }

    struct vpmap *v_ = nullptr;
    struct vpmap *other_ = nullptr;
    int root_loads_seen_ = 0;
};

TYPED_TEST_SUITE_P(VpmapContract);

// --- vpmap_map ----------------------------------------------------------------

TYPED_TEST_P(VpmapContract, MapTranslatesEveryPageWithOffsetAndPermission)
{
    const vaddr_t start = kBase + kPtSpan - 2 * PAGE_SIZE;  // across a PT boundary
    paddr_t pages[4];
    for (paddr_t &p : pages) {
        p = NewPage();
    }
    ASSERT_EQ(vpmap_map(this->v_, start, pages[0], 1, MEMPERM_URX), ERR_OK);
    ASSERT_EQ(vpmap_map(this->v_, start + PAGE_SIZE, pages[1], 1, MEMPERM_URX), ERR_OK);
    ASSERT_EQ(vpmap_map(this->v_, start + 2 * PAGE_SIZE, pages[2], 1, MEMPERM_URX), ERR_OK);
    ASSERT_EQ(vpmap_map(this->v_, start + 3 * PAGE_SIZE, pages[3], 1, MEMPERM_URX), ERR_OK);
    for (int i = 0; i < 4; i++) {
        paddr_t found = 0;
        memperm_t perm{};
        ASSERT_EQ(vpmap_lookup_vaddr(this->v_, start + i * PAGE_SIZE + 0x123, &found, &perm),
                  ERR_OK);
        EXPECT_EQ(found, pages[i] + 0x123) << "page " << i << ": the offset is kept";
        EXPECT_EQ(perm, MEMPERM_URX);
        EXPECT_EQ(Refcount(pages[i]), 1) << "map changes no reference count";
    }
    paddr_t found;
    EXPECT_EQ(vpmap_lookup_vaddr(this->v_, start + 4 * PAGE_SIZE, &found, nullptr), ERR_FAULT);
}

// n pages map the n frames from paddr on. (The second frame is not ours,
// but vpmap_map touches no reference count, and KEEP takes none back.)
TYPED_TEST_P(VpmapContract, MapOfManyPagesMapsConsecutiveFrames)
{
    paddr_t first = NewPage();
    const vaddr_t va = kBase + kPtSpan - PAGE_SIZE;  // across a PT boundary
    ASSERT_EQ(vpmap_map(this->v_, va, first, 2, MEMPERM_URW), ERR_OK);
    EXPECT_EQ(MappingsOf(this->v_),
              (std::vector<Mapping>{{va, first, MEMPERM_URW},
                                    {va + PAGE_SIZE, first + PAGE_SIZE, MEMPERM_URW}}));
    EXPECT_EQ(vpmap_unmap(this->v_, va, 2, nullptr, nullptr), 2u);
    pmem_free(first);
}

// Readable is implied by any mapping (kernel/mm/memperm.h): both backends
// report it, whatever the caller passed, as the x86_64 tables can only say.
TYPED_TEST_P(VpmapContract, PermissionsAreReportedAsX86HoldsThem)
{
    const memperm_t asked[] = {
        MEMPERM_UR,
        MEMPERM_URW,
        MEMPERM_URX,
        static_cast<memperm_t>(MEMPERM_URW | MEMPERM_EXEC),
        static_cast<memperm_t>(MEMPERM_USER | MEMPERM_WRITE),
        MEMPERM_USER,
    };
    std::vector<Mapping> expected;
    vaddr_t va = kBase;
    for (memperm_t perm : asked) {
        paddr_t page = this->MapNew(this->v_, va, perm);
        memperm_t reported = static_cast<memperm_t>(perm | MEMPERM_READ);
        expected.push_back({va, page, reported});
        memperm_t found_perm{};
        paddr_t found;
        ASSERT_EQ(vpmap_lookup_vaddr(this->v_, va, &found, &found_perm), ERR_OK);
        EXPECT_EQ(found_perm, reported) << "mapped with 0x" << std::hex << perm;
        va += PAGE_SIZE;
    }
    EXPECT_EQ(MappingsOf(this->v_), expected);

    // set_perm to what a mapping already has, in the caller's spelling, is
    // no change: nothing is flushed.
    this->Activate();
    vpmap_set_perm(this->v_, kBase + 4 * PAGE_SIZE, 1, MEMPERM_URW);
    vpmap_set_perm(this->v_, kBase + 5 * PAGE_SIZE, 1, MEMPERM_UR);
    EXPECT_TRUE(this->TakeFlushes().None()) << this->TakeFlushes();

    // So do the calls that change a permission or make a mapping: set_perm,
    // replace, and cow_copy (its destination and its source).
    auto reported_at = [](struct vpmap *v, vaddr_t at) {
        paddr_t frame;
        memperm_t perm{};
        EXPECT_EQ(vpmap_lookup_vaddr(v, at, &frame, &perm), ERR_OK);
        return perm;
    };
    va = kBase;
    for (memperm_t perm : asked) {
        SCOPED_TRACE(testing::Message() << "asked for 0x" << std::hex << perm);
        memperm_t reported = static_cast<memperm_t>(perm | MEMPERM_READ);
        vpmap_set_perm(this->v_, kBase, 1, perm);
        EXPECT_EQ(reported_at(this->v_, kBase), reported) << "set_perm";
        this->Replace(this->v_, kBase + PAGE_SIZE, NewPage(), perm);
        EXPECT_EQ(reported_at(this->v_, kBase + PAGE_SIZE), reported) << "replace";
        ASSERT_EQ(this->CowCopy(this->Other(), this->v_, va, 1, perm), ERR_OK);
        EXPECT_EQ(reported_at(this->Other(), va), reported) << "cow_copy's destination";
        EXPECT_EQ(reported_at(this->v_, va), reported) << "cow_copy's source";
        va += PAGE_SIZE;
    }
}

TYPED_TEST_P(VpmapContract, MapOutOfMemoryMapsNothingAndLeavesNoTableBehind)
{
    paddr_t page = NewPage();

    // The first page's own tables: a PDPT and a PD can be had, its PT not.
    std::vector<paddr_t> hoard;
    PmemTakeAllBut(2, &hoard);
    ASSERT_EQ(pmem_free_pages(), 2u);
    EXPECT_EQ(vpmap_map(this->v_, kBase, page, 1, MEMPERM_URW), ERR_NOMEM);
    EXPECT_EQ(vpmap_table_pages(this->v_), 1u);
    EXPECT_EQ(TablesWalked(this->v_), 1u);
    EXPECT_EQ(pmem_free_pages(), 2u) << "the PDPT and the PD went back";
    PmemGiveBack(&hoard);

    // Part way: the first page gets its PDPT, PD and PT, the second (the
    // next 2 MiB) cannot get its PT; the first is unmapped again. (The
    // second frame, page + PAGE_SIZE, is not ours, but it is never mapped,
    // and vpmap_map touches no refcount.)
    const vaddr_t va = kBase + kPtSpan - PAGE_SIZE;
    PmemTakeAllBut(3, &hoard);
    ASSERT_EQ(pmem_free_pages(), 3u);
    err_t err = vpmap_map(this->v_, va, page, 2, MEMPERM_URW);
    EXPECT_EQ(err, ERR_NOMEM);
    if (err == ERR_OK) {
        vpmap_unmap(this->v_, va, 2, nullptr, nullptr);
    }
    paddr_t found;
    EXPECT_EQ(vpmap_lookup_vaddr(this->v_, va, &found, nullptr), ERR_FAULT);
    EXPECT_TRUE(MappingsOf(this->v_).empty());
    EXPECT_EQ(vpmap_table_pages(this->v_), 1u);
    EXPECT_EQ(TablesWalked(this->v_), 1u);
    EXPECT_EQ(pmem_free_pages(), 3u) << "all three tables went back";
    EXPECT_EQ(Refcount(page), 1) << "the caller keeps its reference";
    PmemGiveBack(&hoard);

    pmem_free(page);
}

// --- Page-table pages ---------------------------------------------------------

// Pages in one 2 MiB span share a PT; a new 2 MiB span needs a PT, a new
// GiB a PD and a PT, a new 512 GiB a PDPT, a PD and a PT.
TYPED_TEST_P(VpmapContract, TablePagesAreCountedAndComeFromPmem)
{
    struct vpmap *v = this->v_;
    ASSERT_EQ(vpmap_table_pages(v), 1u) << "a vpmap that maps nothing holds its root";
    EXPECT_EQ(TablesWalked(v), 1u);
    struct Step {
        vaddr_t va;
        size_t new_tables;
    } steps[] = {
        {kBase, 3},                           // PDPT, PD, PT
        {kBase + PAGE_SIZE, 0},               // the same PT
        {kBase + kPtSpan, 1},                 // a PT
        {kBase + kPdSpan, 2},                 // a PD and a PT
        {kBase + kPdptSpan, 3},               // a PDPT, a PD and a PT
        {VPMAP_USER_TOP - PAGE_SIZE, 3},      // the last PML4 entry of the user half
        {VPMAP_USER_TOP - 2 * PAGE_SIZE, 0},  // the same PT
    };
    size_t tables = 1;
    for (const Step &step : steps) {
        SCOPED_TRACE(testing::Message() << "mapping 0x" << std::hex << step.va);
        size_t free_before = pmem_free_pages();
        ASSERT_EQ(vpmap_map(v, step.va, NewPage(), 1, MEMPERM_URW), ERR_OK);
        tables += step.new_tables;
        EXPECT_EQ(vpmap_table_pages(v), tables);
        EXPECT_EQ(TablesWalked(v), tables);
        EXPECT_EQ(pmem_free_pages(), free_before - 1 - step.new_tables)
            << "the page, and the table pages from pmem";
    }
    for (const Step &step : steps) {
        vpmap_unmap(v, step.va, 1, DropReference, nullptr);
    }
}

TYPED_TEST_P(VpmapContract, UnmappingTheLastPageUnderATableFreesIt)
{
    struct vpmap *v = this->v_;
    const vaddr_t a = kBase;
    const vaddr_t b = kBase + PAGE_SIZE;  // a's PT
    const vaddr_t c = kBase + kPtSpan;    // a PT of its own, a's PD
    const vaddr_t d = kBase + kPdptSpan;  // a PDPT, a PD and a PT of its own
    for (vaddr_t va : {a, b, c, d}) {
        ASSERT_EQ(vpmap_map(v, va, NewPage(), 1, MEMPERM_URW), ERR_OK);
    }
    ASSERT_EQ(vpmap_table_pages(v), 1u + 3 + 1 + 3);

    size_t free_before = pmem_free_pages();
    vpmap_unmap(v, a, 1, DropReference, nullptr);
    EXPECT_EQ(vpmap_table_pages(v), 8u) << "a's PT still maps b";
    EXPECT_EQ(pmem_free_pages(), free_before + 1) << "a's page only";

    free_before = pmem_free_pages();
    vpmap_unmap(v, b, 1, DropReference, nullptr);
    EXPECT_EQ(vpmap_table_pages(v), 7u) << "the PT is empty now; its PD still holds c's PT";
    EXPECT_EQ(pmem_free_pages(), free_before + 1 + 1) << "b's page and its PT";
    EXPECT_EQ(TablesWalked(v), 7u);

    free_before = pmem_free_pages();
    vpmap_unmap(v, d, 1, DropReference, nullptr);
    EXPECT_EQ(vpmap_table_pages(v), 4u) << "d's PT, PD and PDPT all emptied";
    EXPECT_EQ(pmem_free_pages(), free_before + 1 + 3);

    free_before = pmem_free_pages();
    vpmap_unmap(v, c, 1, DropReference, nullptr);
    EXPECT_EQ(vpmap_table_pages(v), 1u) << "only the root is left";
    EXPECT_EQ(TablesWalked(v), 1u);
    EXPECT_EQ(pmem_free_pages(), free_before + 1 + 3);

    // The root still works.
    ASSERT_EQ(vpmap_map(v, a, NewPage(), 1, MEMPERM_URW), ERR_OK);
    EXPECT_EQ(vpmap_table_pages(v), 4u);
    vpmap_unmap(v, a, 1, DropReference, nullptr);
    EXPECT_EQ(vpmap_table_pages(v), 1u);
}

// One page per 2 MiB, across GiB and 512 GiB boundaries.
TYPED_TEST_P(VpmapContract, WidelySpreadPagesGiveTheirTablesBack)
{
    struct vpmap *v = this->v_;
    const vaddr_t start = kPdptSpan - 10 * kPtSpan;  // 512 GiB - 20 MiB
    const size_t pages = 20;
    size_t free_before = pmem_free_pages();
    size_t tables_before = vpmap_table_pages(v);
    for (size_t i = 0; i < pages; i++) {
        ASSERT_EQ(vpmap_map(v, start + i * kPtSpan, NewPage(), 1, MEMPERM_URW), ERR_OK);
    }
    // A PT per page; a PD and a PDPT on each side of the 512 GiB boundary.
    EXPECT_EQ(vpmap_table_pages(v), tables_before + pages + 2 + 2);
    EXPECT_EQ(pmem_free_pages(), free_before - pages - (pages + 2 + 2));

    EXPECT_EQ(vpmap_unmap(v, start, pages * kPtSpan / PAGE_SIZE, DropReference, nullptr), pages);
    EXPECT_EQ(vpmap_table_pages(v), tables_before);
    EXPECT_EQ(TablesWalked(v), tables_before);
    EXPECT_EQ(pmem_free_pages(), free_before) << "every page and every table page is back";
}

// The root first, then each table once; none is a mapped page.
TYPED_TEST_P(VpmapContract, ForEachTableVisitsTheRootFirstThenEachTableOnce)
{
    std::vector<paddr_t> alone = TablesOf(this->v_);
    ASSERT_EQ(alone.size(), 1u);
    const paddr_t root = alone[0];
    std::set<paddr_t> mapped;
    for (vaddr_t va : {kBase, kBase + kPtSpan, kBase + kPdptSpan}) {
        mapped.insert(this->MapNew(this->v_, va));
    }
    std::vector<paddr_t> tables = TablesOf(this->v_);
    ASSERT_EQ(tables.size(), vpmap_table_pages(this->v_));
    EXPECT_EQ(tables.size(), 1u + 4 + 3);
    EXPECT_EQ(tables[0], root) << "the root comes first";
    std::set<paddr_t> distinct(tables.begin(), tables.end());
    EXPECT_EQ(distinct.size(), tables.size()) << "each table once";
    for (paddr_t t : tables) {
        EXPECT_EQ(mapped.count(t), 0u) << "a mapped page is not a table";
        EXPECT_EQ(Refcount(t), 1) << "a table page holds one reference, its vpmap's";
    }
}

// --- vpmap_unmap --------------------------------------------------------------

TYPED_TEST_P(VpmapContract, UnmapSkipsHolesAndCountsWhatItUnmapped)
{
    for (int i : {0, 2, 5}) {
        this->MapNew(this->v_, kBase + i * PAGE_SIZE);
    }
    paddr_t outside = this->MapNew(this->v_, kBase + 8 * PAGE_SIZE);
    EXPECT_EQ(vpmap_unmap(this->v_, kBase, 8, DropReference, nullptr), 3u);
    EXPECT_EQ(vpmap_unmap(this->v_, kBase, 8, DropReference, nullptr), 0u) << "nothing left there";
    EXPECT_EQ(MappingsOf(this->v_),
              (std::vector<Mapping>{{kBase + 8 * PAGE_SIZE, outside, MEMPERM_URW}}));
}

TYPED_TEST_P(VpmapContract, UnmapReportsEachPageAfterItsFlushAndChangesNoReference)
{
    paddr_t a = this->MapNew(this->v_, kBase, MEMPERM_URW);
    paddr_t b = this->MapNew(this->v_, kBase + 2 * PAGE_SIZE, MEMPERM_URX);
    paddr_t outside = this->MapNew(this->v_, kBase + 4 * PAGE_SIZE);
    this->Activate();

    struct Reported {
        std::vector<Mapping> pages;
        std::vector<int> refcounts;     // as each was reported
        std::vector<bool> flushed;      // its flush came before its report
        std::set<vaddr_t> invalidated;  // so far (a batch flushes several at once)
    } reported;
    vpmap_unmap(
        this->v_, kBase, 4,
        [](void *ctx, vaddr_t va, paddr_t page, memperm_t perm) {
            auto *r = static_cast<Reported *>(ctx);
            r->pages.push_back({va, page, perm});
            r->refcounts.push_back(Refcount(page));
            for (vaddr_t inv : fake_mmu_take_invalidations()) {
                r->invalidated.insert(inv);
            }
            r->flushed.push_back(r->invalidated.count(va) > 0);
        },
        &reported);
    EXPECT_EQ(reported.pages, (std::vector<Mapping>{{kBase, a, MEMPERM_URW},
                                                    {kBase + 2 * PAGE_SIZE, b, MEMPERM_URX}}))
        << "each page unmapped, in order, holes skipped";
    EXPECT_EQ(reported.refcounts, (std::vector<int>{1, 1})) << "unmap changes no reference count";
    EXPECT_EQ(reported.flushed, (std::vector<bool>{true, true}))
        << "a page is reported only when no TLB can reach it any more";
    EXPECT_EQ(Refcount(outside), 1);
    pmem_free(a);  // the owner's part
    pmem_free(b);
}

// --- vpmap_set_perm -----------------------------------------------------------

TYPED_TEST_P(VpmapContract, SetPermChangesMappedPagesAndSkipsHoles)
{
    paddr_t a = this->MapNew(this->v_, kBase, MEMPERM_URW);
    paddr_t b = this->MapNew(this->v_, kBase + 2 * PAGE_SIZE, MEMPERM_URX);
    paddr_t c = this->MapNew(this->v_, kBase + 3 * PAGE_SIZE, MEMPERM_URW);  // outside
    vpmap_set_perm(this->v_, kBase, 3, MEMPERM_UR);
    EXPECT_EQ(MappingsOf(this->v_),
              (std::vector<Mapping>{{kBase, a, MEMPERM_UR},
                                    {kBase + 2 * PAGE_SIZE, b, MEMPERM_UR},
                                    {kBase + 3 * PAGE_SIZE, c, MEMPERM_URW}}));
    EXPECT_EQ(Refcount(a), 1);
    EXPECT_EQ(vpmap_table_pages(this->v_), 4u) << "no table for the hole";
}

// A range that starts inside a missing page table and crosses missing tables
// at every level: each hole is passed over whole, and the first page after
// it is still found. (The next test starts inside a hole at each level.)
TYPED_TEST_P(VpmapContract, SetPermAndUnmapCrossHolesAtEveryLevel)
{
    struct vpmap *v = this->v_;
    const paddr_t before = this->MapNew(v, kBase);          // its PT is there, the next one not
    const vaddr_t start = kBase + kPtSpan + 3 * PAGE_SIZE;  // inside that missing PT
    const vaddr_t end = 2 * kPdptSpan + 10 * PAGE_SIZE;
    const vaddr_t inside[] = {
        kBase + 3 * kPtSpan + PAGE_SIZE,  // past two missing PTs
        3 * kPdSpan + 2 * PAGE_SIZE,      // past missing PDs
        2 * kPdptSpan + 9 * PAGE_SIZE,    // past a missing PDPT: the range's last page
    };
    std::vector<paddr_t> pages;
    for (vaddr_t va : inside) {
        pages.push_back(this->MapNew(v, va));
    }
    const paddr_t after = this->MapNew(v, end);  // the first page past the range
    const size_t n = (end - start) / PAGE_SIZE;

    vpmap_set_perm(v, start, n, MEMPERM_UR);
    EXPECT_EQ(MappingsOf(v), (std::vector<Mapping>{{kBase, before, MEMPERM_URW},
                                                   {inside[0], pages[0], MEMPERM_UR},
                                                   {inside[1], pages[1], MEMPERM_UR},
                                                   {inside[2], pages[2], MEMPERM_UR},
                                                   {end, after, MEMPERM_URW}}));
    EXPECT_EQ(vpmap_unmap(v, start, n, DropReference, nullptr), 3u);
    EXPECT_EQ(MappingsOf(v),
              (std::vector<Mapping>{{kBase, before, MEMPERM_URW}, {end, after, MEMPERM_URW}}));
}

// A range that starts inside a hole, off its alignment, at each level in
// turn: a missing page table, page directory and PDPT. The first page after
// the hole lies at a smaller offset into its span than the range's start
// did into the hole's, so a skip that kept the start's offset would pass it.
TYPED_TEST_P(VpmapContract, SetPermAndUnmapFindThePageAfterAHoleAtEachLevel)
{
    struct vpmap *v = this->v_;
    // The tables above the first two holes: the root's first entry, its PDPT
    // and its first PD.
    this->MapNew(v, kBase);
    struct Hole {
        vaddr_t start;  // inside the hole
        vaddr_t next;   // the first mapped page after it
    };
    const Hole holes[] = {
        {kBase + kPtSpan + 3 * PAGE_SIZE, kBase + 2 * kPtSpan + PAGE_SIZE},    // a PT
        {5 * kPdSpan + kPtSpan + 3 * PAGE_SIZE, 6 * kPdSpan + PAGE_SIZE},      // a PD
        {3 * kPdptSpan + kPdSpan + 3 * PAGE_SIZE, 4 * kPdptSpan + PAGE_SIZE},  // a PDPT
    };
    for (const Hole &hole : holes) {
        SCOPED_TRACE(testing::Message() << "range from 0x" << std::hex << hole.start);
        paddr_t next = this->MapNew(v, hole.next);
        const size_t n = (hole.next - hole.start) / PAGE_SIZE + 1;
        vpmap_set_perm(v, hole.start, n, MEMPERM_UR);
        paddr_t got;
        memperm_t perm;
        ASSERT_EQ(vpmap_lookup_vaddr(v, hole.next, &got, &perm), ERR_OK);
        EXPECT_EQ(got, next);
        EXPECT_EQ(perm, MEMPERM_UR) << "set_perm reached the page after the hole";
        EXPECT_EQ(vpmap_unmap(v, hole.start, n, DropReference, nullptr), 1u)
            << "unmap reached the page after the hole";
        EXPECT_NE(vpmap_lookup_vaddr(v, hole.next, &got, &perm), ERR_OK);
    }
}

// --- vpmap_lookup_vaddr -------------------------------------------------------

TYPED_TEST_P(VpmapContract, LookupFaultsOnHolesAndAboveTheUserHalf)
{
    this->MapNew(this->v_, kBase);
    paddr_t found = 0;
    EXPECT_EQ(vpmap_lookup_vaddr(this->v_, kBase + PAGE_SIZE, &found, nullptr), ERR_FAULT);
    EXPECT_EQ(vpmap_lookup_vaddr(this->v_, kBase + kPdptSpan, &found, nullptr), ERR_FAULT);
    EXPECT_EQ(vpmap_lookup_vaddr(this->v_, VPMAP_USER_TOP, &found, nullptr), ERR_FAULT);
    EXPECT_EQ(vpmap_lookup_vaddr(this->v_, VPMAP_USER_TOP + kBase, &found, nullptr), ERR_FAULT)
        << "kBase's twin in the non-canonical gap";
    EXPECT_EQ(vpmap_lookup_vaddr(this->v_, 0xffff800000000000ull + kBase, &found, nullptr),
              ERR_FAULT)
        << "the kernel half";
    EXPECT_EQ(vpmap_lookup_vaddr(this->v_, ~0ull, &found, nullptr), ERR_FAULT);
    EXPECT_EQ(vpmap_lookup_vaddr(this->v_, kBase + PAGE_SIZE - 1, &found, nullptr), ERR_OK)
        << "the last byte of the mapped page";
}

// --- vpmap_for_each_mapping ---------------------------------------------------

TYPED_TEST_P(VpmapContract, ForEachMappingVisitsExactlyTheMappedPagesInOrder)
{
    EXPECT_TRUE(MappingsOf(this->v_).empty()) << "a new vpmap maps nothing in the user half";

    const vaddr_t top = VPMAP_USER_TOP - PAGE_SIZE;
    std::vector<Mapping> expected = {
        {kBase, NewPage(), MEMPERM_URX},
        {kBase + PAGE_SIZE, NewPage(), MEMPERM_URW},
        {kBase + kPtSpan, NewPage(), MEMPERM_UR},  // a new PT
        {kPdptSpan - PAGE_SIZE, NewPage(), MEMPERM_URW},
        {kPdptSpan, NewPage(), MEMPERM_URW},  // a new PDPT
        {top, NewPage(), MEMPERM_UR},         // the last PML4 entry of the user half
    };
    // Mapped out of order, with one extra page unmapped again.
    this->MapNew(this->v_, kBase + 7 * PAGE_SIZE);
    for (size_t i = expected.size(); i-- > 0;) {
        ASSERT_EQ(vpmap_map(this->v_, expected[i].vaddr, expected[i].paddr, 1, expected[i].perm),
                  ERR_OK);
    }
    vpmap_unmap(this->v_, kBase + 7 * PAGE_SIZE, 1, DropReference, nullptr);
    EXPECT_EQ(MappingsOf(this->v_), expected);
}

// --- vpmap_cow_copy -----------------------------------------------------------

TYPED_TEST_P(VpmapContract, CowCopySharesEachPageWithThePermissionInBoth)
{
    paddr_t a = this->MapNew(this->v_, kBase, MEMPERM_URW);
    paddr_t b = this->MapNew(this->v_, kBase + 3 * PAGE_SIZE, MEMPERM_URX);
    paddr_t outside = this->MapNew(this->v_, kBase + 8 * PAGE_SIZE, MEMPERM_URW);
    struct vpmap *dst = this->Other();

    ASSERT_EQ(vpmap_cow_copy(dst, this->v_, kBase, 8, MEMPERM_UR), ERR_OK);
    EXPECT_EQ(Refcount(a), 1) << "cow_copy changes no reference count";
    EXPECT_EQ(Refcount(b), 1);
    this->TakeReferences(dst, kBase, 8);
    const std::vector<Mapping> shared = {{kBase, a, MEMPERM_UR},
                                         {kBase + 3 * PAGE_SIZE, b, MEMPERM_UR}};
    EXPECT_EQ(MappingsOf(dst), shared) << "the range's mapped pages, holes skipped";
    std::vector<Mapping> src = shared;
    src.push_back({kBase + 8 * PAGE_SIZE, outside, MEMPERM_URW});
    EXPECT_EQ(MappingsOf(this->v_), src) << "the same permission in the source";
    EXPECT_EQ(vpmap_table_pages(dst), 4u);

    // Plain sharing: the pages' own permission.
    ASSERT_EQ(this->CowCopy(this->Other(), this->v_, kBase + 8 * PAGE_SIZE, 1, MEMPERM_URW),
              ERR_OK);
    paddr_t found;
    memperm_t perm{};
    ASSERT_EQ(vpmap_lookup_vaddr(dst, kBase + 8 * PAGE_SIZE + 5, &found, &perm), ERR_OK);
    EXPECT_EQ(found, outside + 5);
    EXPECT_EQ(perm, MEMPERM_URW);
}

// Tables that src holds for pages outside the range give dst no table:
// dst holds only the tables its mappings need.
TYPED_TEST_P(VpmapContract, CowCopyOfARangeWithoutPagesMakesNoTables)
{
    this->MapNew(this->v_, kBase + 8 * PAGE_SIZE, MEMPERM_URW);
    this->MapNew(this->v_, kBase + kPdSpan, MEMPERM_URW);
    struct vpmap *dst = this->Other();
    // src's PT over the range maps only a page past it.
    ASSERT_EQ(vpmap_cow_copy(dst, this->v_, kBase, 8, MEMPERM_UR), ERR_OK);
    // src has a PD over the range, but no PT.
    ASSERT_EQ(vpmap_cow_copy(dst, this->v_, kBase + kPdSpan + kPtSpan, 16, MEMPERM_UR), ERR_OK);
    EXPECT_TRUE(MappingsOf(dst).empty());
    EXPECT_EQ(vpmap_table_pages(dst), 1u) << "the root alone";
    EXPECT_EQ(TablesWalked(dst), 1u);
}

// `src` maps two pages a GiB apart; `dst` (empty) has memory for the first
// page's tables only.
TYPED_TEST_P(VpmapContract, CowCopyOutOfMemoryUndoesTheDestination)
{
    struct vpmap *src = this->v_;
    struct vpmap *dst = this->Other();
    paddr_t a = this->MapNew(src, kBase, MEMPERM_URW);
    paddr_t b = this->MapNew(src, kBase + kPdSpan, MEMPERM_URW);
    size_t src_tables = vpmap_table_pages(src);

    std::vector<paddr_t> hoard;
    PmemTakeAllBut(3, &hoard);
    ASSERT_EQ(pmem_free_pages(), 3u);
    EXPECT_EQ(vpmap_cow_copy(dst, src, kBase, kPdSpan / PAGE_SIZE + 1, MEMPERM_UR), ERR_NOMEM);
    EXPECT_TRUE(MappingsOf(dst).empty()) << "what was mapped into dst is unmapped again";
    EXPECT_EQ(vpmap_table_pages(dst), 1u);
    EXPECT_EQ(TablesWalked(dst), 1u);
    EXPECT_EQ(pmem_free_pages(), 3u) << "the destination's tables went back";
    EXPECT_EQ(Refcount(a), 1) << "no reference count changed";
    EXPECT_EQ(Refcount(b), 1);
    EXPECT_EQ(vpmap_table_pages(src), src_tables) << "the source keeps its tables";
    std::vector<Mapping> left = MappingsOf(src);
    ASSERT_EQ(left.size(), 2u) << "the source keeps its pages";
    EXPECT_EQ(left[0].paddr, a);
    EXPECT_EQ(left[1].paddr, b);
    PmemGiveBack(&hoard);
}

// --- vpmap_replace ------------------------------------------------------------

TYPED_TEST_P(VpmapContract, ReplaceSwapsThePageInPlace)
{
    struct vpmap *v = this->v_;
    paddr_t old_page = NewPage();
    paddr_t new_page = NewPage();
    ASSERT_EQ(vpmap_map(v, kBase, old_page, 1, MEMPERM_UR), ERR_OK);
    const size_t tables = vpmap_table_pages(v);

    std::vector<paddr_t> hoard;
    PmemTakeAllBut(0, &hoard);
    EXPECT_EQ(vpmap_replace(v, kBase, new_page, MEMPERM_URW), old_page) << "the page it replaced";
    PmemGiveBack(&hoard);

    paddr_t found;
    memperm_t perm;
    ASSERT_EQ(vpmap_lookup_vaddr(v, kBase + 8, &found, &perm), ERR_OK);
    EXPECT_EQ(found, new_page + 8);
    EXPECT_EQ(perm, MEMPERM_URW);
    EXPECT_EQ(Refcount(old_page), 1) << "replace changes no reference count";
    EXPECT_EQ(Refcount(new_page), 1);
    EXPECT_EQ(vpmap_table_pages(v), tables);
    pmem_free(old_page);  // the owner's part
}

// --- TLB flushes: "callers never flush by hand" -------------------------------

TYPED_TEST_P(VpmapContract, UnmapOfTheActiveVpmapFlushesEachPage)
{
    for (int i : {0, 2, 4, 6}) {
        this->MapNew(this->v_, kBase + i * PAGE_SIZE);
    }
    this->Activate();
    EXPECT_EQ(vpmap_unmap(this->v_, kBase, 4, DropReference, nullptr), 2u);
    Flushes f = this->TakeFlushes();
    EXPECT_TRUE(f.Covers(kBase) && f.Covers(kBase + 2 * PAGE_SIZE)) << f;
    for (vaddr_t va : f.pages) {
        EXPECT_TRUE(va >= kBase && va < kBase + 4 * PAGE_SIZE)
            << "a flush outside the range: 0x" << std::hex << va;
    }
    // The last pages: their tables go too.
    vpmap_unmap(this->v_, kBase, 8, DropReference, nullptr);
    f = this->TakeFlushes();
    EXPECT_TRUE(f.Covers(kBase + 4 * PAGE_SIZE) && f.Covers(kBase + 6 * PAGE_SIZE)) << f;
}

TYPED_TEST_P(VpmapContract, SetPermOfTheActiveVpmapFlushesEachChangedPage)
{
    this->MapNew(this->v_, kBase, MEMPERM_URW);
    this->MapNew(this->v_, kBase + PAGE_SIZE, MEMPERM_UR);  // unchanged
    this->MapNew(this->v_, kBase + 3 * PAGE_SIZE, MEMPERM_URX);
    this->Activate();
    vpmap_set_perm(this->v_, kBase, 4, MEMPERM_UR);
    Flushes f = this->TakeFlushes();
    EXPECT_TRUE(f.Covers(kBase) && f.Covers(kBase + 3 * PAGE_SIZE)) << f;
    EXPECT_EQ(std::count(f.pages.begin(), f.pages.end(), kBase + PAGE_SIZE), 0)
        << "an unchanged page needs no flush: " << f;
}

TYPED_TEST_P(VpmapContract, ReplaceInTheActiveVpmapFlushesThePage)
{
    this->MapNew(this->v_, kBase, MEMPERM_UR);
    this->Activate();
    this->Replace(this->v_, kBase, NewPage(), MEMPERM_URW);
    Flushes f = this->TakeFlushes();
    EXPECT_TRUE(f.Covers(kBase)) << f;
}

TYPED_TEST_P(VpmapContract, CowCopyFlushesTheActiveSourcesChangedPages)
{
    this->MapNew(this->v_, kBase, MEMPERM_URW);
    this->MapNew(this->v_, kBase + PAGE_SIZE, MEMPERM_UR);  // unchanged
    this->MapNew(this->v_, kBase + 2 * PAGE_SIZE, MEMPERM_URW);
    this->Activate();
    ASSERT_EQ(this->CowCopy(this->Other(), this->v_, kBase, 3, MEMPERM_UR), ERR_OK);
    Flushes f = this->TakeFlushes();
    EXPECT_TRUE(f.Covers(kBase) && f.Covers(kBase + 2 * PAGE_SIZE)) << f;
    EXPECT_EQ(std::count(f.pages.begin(), f.pages.end(), kBase + PAGE_SIZE), 0) << f;
}

// Many pages: per page or the whole TLB once, but every one of them.
TYPED_TEST_P(VpmapContract, CowCopyOfManyPagesFlushesThemAll)
{
    const size_t pages = 40;
    std::vector<paddr_t> frames;
    for (size_t i = 0; i < pages; i++) {
        this->MapNew(this->v_, kBase + i * PAGE_SIZE, MEMPERM_URW);
    }
    this->Activate();
    ASSERT_EQ(this->CowCopy(this->Other(), this->v_, kBase, pages, MEMPERM_UR), ERR_OK);
    Flushes f = this->TakeFlushes();
    for (size_t i = 0; i < pages; i++) {
        EXPECT_TRUE(f.Covers(kBase + i * PAGE_SIZE)) << "page " << i << ": " << f;
    }
}

// An inactive vpmap has nothing cached: no call flushes anything for it.
TYPED_TEST_P(VpmapContract, AnInactiveVpmapGetsNoFlush)
{
    struct vpmap *v = this->v_;
    paddr_t page = this->MapNew(v, kBase, MEMPERM_URW);
    this->MapNew(v, kBase + PAGE_SIZE, MEMPERM_URW);
    vpmap_set_perm(v, kBase, 2, MEMPERM_UR);
    ASSERT_EQ(this->CowCopy(this->Other(), v, kBase, 2, MEMPERM_URX), ERR_OK);
    this->Replace(v, kBase, NewPage(), MEMPERM_URW);
    vpmap_unmap(v, kBase, 2, DropReference, nullptr);
    vpmap_flush_tlb(v, kBase);
    vpmap_flush_tlb_all(v);
    EXPECT_TRUE(this->TakeFlushes().None()) << this->TakeFlushes();
    EXPECT_EQ(Refcount(page), 1) << "the destination's reference";
}

TYPED_TEST_P(VpmapContract, ExplicitFlushesReachTheActiveVpmapOnly)
{
    this->Activate();
    vpmap_flush_tlb(this->v_, kBase + 0x10);
    Flushes f = this->TakeFlushes();
    EXPECT_EQ(f.pages, std::vector<vaddr_t>{kBase}) << "the page containing the address";
    vpmap_flush_tlb_all(this->v_);
    f = this->TakeFlushes();
    EXPECT_TRUE(f.root_loads >= 1 || !f.pages.empty()) << "a whole flush: " << f;
    vpmap_flush_tlb(this->Other(), kBase);
    vpmap_flush_tlb_all(this->Other());
    EXPECT_TRUE(this->TakeFlushes().None()) << "another, inactive vpmap";
}

// --- vpmap_destroy ------------------------------------------------------------

TYPED_TEST_P(VpmapContract, DestroyFreesEveryTableAndLeavesThePages)
{
    std::vector<paddr_t> pages;
    for (int i = 0; i < 4; i++) {
        pages.push_back(NewPage());
    }
    size_t before = pmem_free_pages();
    struct vpmap *v;
    ASSERT_EQ(vpmap_create(&v), ERR_OK);
    int i = 0;
    for (vaddr_t va : std::vector<vaddr_t>{kBase, kBase + PAGE_SIZE, kBase + kPdSpan,
                                           VPMAP_USER_TOP - PAGE_SIZE}) {
        ASSERT_EQ(vpmap_map(v, va, pages[i++], 1, MEMPERM_URW), ERR_OK);
    }
    vpmap_destroy(v);
    EXPECT_EQ(pmem_free_pages(), before) << "every table page went back";
    for (paddr_t p : pages) {
        EXPECT_EQ(Refcount(p), 1) << "destroy changes no reference count";
        pmem_free(p);  // the owner's part
    }
}

REGISTER_TYPED_TEST_SUITE_P(
    VpmapContract, MapTranslatesEveryPageWithOffsetAndPermission,
    MapOfManyPagesMapsConsecutiveFrames, PermissionsAreReportedAsX86HoldsThem,
    MapOutOfMemoryMapsNothingAndLeavesNoTableBehind, TablePagesAreCountedAndComeFromPmem,
    UnmappingTheLastPageUnderATableFreesIt, WidelySpreadPagesGiveTheirTablesBack,
    ForEachTableVisitsTheRootFirstThenEachTableOnce, UnmapSkipsHolesAndCountsWhatItUnmapped,
    UnmapReportsEachPageAfterItsFlushAndChangesNoReference, SetPermChangesMappedPagesAndSkipsHoles,
    SetPermAndUnmapCrossHolesAtEveryLevel, SetPermAndUnmapFindThePageAfterAHoleAtEachLevel,
    LookupFaultsOnHolesAndAboveTheUserHalf, ForEachMappingVisitsExactlyTheMappedPagesInOrder,
    CowCopySharesEachPageWithThePermissionInBoth, CowCopyOfARangeWithoutPagesMakesNoTables,
    CowCopyOutOfMemoryUndoesTheDestination, ReplaceSwapsThePageInPlace,
    UnmapOfTheActiveVpmapFlushesEachPage, SetPermOfTheActiveVpmapFlushesEachChangedPage,
    ReplaceInTheActiveVpmapFlushesThePage, CowCopyFlushesTheActiveSourcesChangedPages,
    CowCopyOfManyPagesFlushesThemAll, AnInactiveVpmapGetsNoFlush,
    ExplicitFlushesReachTheActiveVpmapOnly, DestroyFreesEveryTableAndLeavesThePages);

// --- Kernel bugs panic --------------------------------------------------------

template <typename Backend> using VpmapContractDeathTest = VpmapContract<Backend>;

TYPED_TEST_SUITE_P(VpmapContractDeathTest);

TYPED_TEST_P(VpmapContractDeathTest, BadRangesPanicInEveryCall)
{
    struct vpmap *v = this->v_;
    struct vpmap *dst = this->Other();
    paddr_t page = this->MapNew(v, kBase);
    const vaddr_t unaligned = kBase + 1;
    const vaddr_t kernel = 0xffff800000000000ull;
    const vaddr_t last = VPMAP_USER_TOP - PAGE_SIZE;  // + 2 pages crosses the top
    for (vaddr_t va : std::vector<vaddr_t>{unaligned, VPMAP_USER_TOP, kernel}) {
        SCOPED_TRACE(testing::Message() << "at 0x" << std::hex << va);
        EXPECT_DEATH((void)vpmap_map(v, va, page, 1, MEMPERM_URW), "bad range");
        EXPECT_DEATH(vpmap_unmap(v, va, 1, nullptr, nullptr), "bad range");
        EXPECT_DEATH(vpmap_set_perm(v, va, 1, MEMPERM_UR), "bad range");
        EXPECT_DEATH(vpmap_replace(v, va, page, MEMPERM_URW), "bad range");
        EXPECT_DEATH((void)vpmap_cow_copy(dst, v, va, 1, MEMPERM_UR), "bad range");
    }
    EXPECT_DEATH((void)vpmap_map(v, last, page, 2, MEMPERM_URW), "bad range");
    EXPECT_DEATH(vpmap_unmap(v, last, 2, nullptr, nullptr), "bad range");
    EXPECT_DEATH(vpmap_set_perm(v, last, 2, MEMPERM_UR), "bad range");
    EXPECT_DEATH((void)vpmap_cow_copy(dst, v, last, 2, MEMPERM_UR), "bad range");
    EXPECT_DEATH(vpmap_unmap(v, kBase, ~size_t{0} / PAGE_SIZE, nullptr, nullptr), "bad range")
        << "a count that wraps";
}

TYPED_TEST_P(VpmapContractDeathTest, AnUnalignedFramePanics)
{
    paddr_t page = this->MapNew(this->v_, kBase);
    EXPECT_DEATH((void)vpmap_map(this->v_, kBase + PAGE_SIZE, page + 8, 1, MEMPERM_URW),
                 "pg_aligned\\(paddr\\)");
    EXPECT_DEATH(vpmap_replace(this->v_, kBase, page + 8, MEMPERM_URW), "pg_aligned\\(paddr\\)");
}

TYPED_TEST_P(VpmapContractDeathTest, APermissionWithoutUserPanics)
{
    paddr_t page = this->MapNew(this->v_, kBase);
    const memperm_t kernel_rw = static_cast<memperm_t>(MEMPERM_READ | MEMPERM_WRITE);
    EXPECT_DEATH((void)vpmap_map(this->v_, kBase + PAGE_SIZE, page, 1, kernel_rw), "MEMPERM_USER");
    EXPECT_DEATH(vpmap_replace(this->v_, kBase, page, kernel_rw), "MEMPERM_USER");
    EXPECT_DEATH((void)vpmap_cow_copy(this->Other(), this->v_, kBase, 1, kernel_rw),
                 "MEMPERM_USER");
}

TYPED_TEST_P(VpmapContractDeathTest, MappingAMappedPagePanics)
{
    paddr_t page = this->MapNew(this->v_, kBase + PAGE_SIZE);
    paddr_t other = NewPage();
    EXPECT_DEATH((void)vpmap_map(this->v_, kBase + PAGE_SIZE, other, 1, MEMPERM_URW),
                 "already mapped");
    EXPECT_DEATH((void)vpmap_map(this->v_, kBase, other, 2, MEMPERM_URW), "already mapped")
        << "the second page of the range";
    ASSERT_EQ(vpmap_map(this->Other(), kBase + PAGE_SIZE, other, 1, MEMPERM_URW), ERR_OK);
    EXPECT_DEATH((void)vpmap_cow_copy(this->Other(), this->v_, kBase, 2, MEMPERM_UR),
                 "already mapped");
    (void)page;
}

TYPED_TEST_P(VpmapContractDeathTest, ReplacingAnAbsentPagePanics)
{
    paddr_t page = NewPage();
    EXPECT_DEATH(vpmap_replace(this->v_, kBase, page, MEMPERM_URW), "not mapped");
    this->MapNew(this->v_, kBase);
    EXPECT_DEATH(vpmap_replace(this->v_, kBase + PAGE_SIZE, page, MEMPERM_URW), "not mapped")
        << "its table exists, its entry does not";
    pmem_free(page);
}

TYPED_TEST_P(VpmapContractDeathTest, DestroyingTheActiveVpmapPanics)
{
    vpmap_load(this->v_);
    EXPECT_DEATH(vpmap_destroy(this->v_), "active address space");
}

TYPED_TEST_P(VpmapContractDeathTest, DestroyingAVpmapLoadedOnAnotherCpuPanics)
{
    fake_cpus_set_count(3);
    fake_cpus_set_current(2);
    vpmap_load(this->v_);
    fake_cpus_set_current(0);
    EXPECT_DEATH(vpmap_destroy(this->v_), "active address space");
}

REGISTER_TYPED_TEST_SUITE_P(VpmapContractDeathTest, BadRangesPanicInEveryCall,
                            AnUnalignedFramePanics, APermissionWithoutUserPanics,
                            MappingAMappedPagePanics, ReplacingAnAbsentPagePanics,
                            DestroyingTheActiveVpmapPanics,
                            DestroyingAVpmapLoadedOnAnotherCpuPanics);

// --- Through the CPU: user accesses see each change once it is flushed ---------
//
// The same flushes, as the CPU's TLB (testing/fake_mmu.h) experiences them:
// after every change of the active vpmap, the next user access sees the new
// mapping; without the single-page flushes (the MMU ignores them, as if the
// page-table code had left them out), the old translation survives.

template <typename Backend> class VpmapThroughTheMmu : public VpmapContract<Backend> {
  protected:
    // Maps a fresh page filled with `fill` at va in the active vpmap.
    paddr_t MapFilled(vaddr_t va, memperm_t perm, uint8_t fill)
    {
        paddr_t page = this->MapNew(this->v_, va, perm);
        std::memset(kmap_p2v(page), fill, PAGE_SIZE);
        return page;
    }
};

TYPED_TEST_SUITE_P(VpmapThroughTheMmu);

TYPED_TEST_P(VpmapThroughTheMmu, AbsentKernelAndReadOnlyAccessesFaultWithTheRightPresentBit)
{
    this->Activate();
    uint8_t value = 0;
    FakeUserAccess a = fake_mmu_user_read(kBase, &value);
    EXPECT_TRUE(a.fault);
    EXPECT_FALSE(a.present);
    a = fake_mmu_user_read(VPMAP_USER_TOP + 5, &value);
    EXPECT_TRUE(a.fault);
    EXPECT_TRUE(a.present);
    this->MapFilled(kBase, MEMPERM_UR, 7);
    a = fake_mmu_user_write(kBase, 1);
    EXPECT_TRUE(a.fault);
    EXPECT_TRUE(a.present);
    EXPECT_TRUE(fake_mmu_tlb().empty()) << "a fault leaves no entry";
}

TYPED_TEST_P(VpmapThroughTheMmu, FirstAccessWalksAndCachesLaterOnesHit)
{
    this->Activate();
    paddr_t p = this->MapFilled(kBase, MEMPERM_URW, 7);
    uint8_t value = 0;
    FakeUserAccess a = fake_mmu_user_read(kBase + 9, &value);
    ASSERT_FALSE(a.fault);
    EXPECT_FALSE(a.tlb_hit);
    EXPECT_EQ(a.paddr, p + 9);
    EXPECT_EQ(value, 7);
    EXPECT_EQ(fake_mmu_tlb().count(kBase), 1u);

    a = fake_mmu_user_write(kBase + 10, 42);
    ASSERT_FALSE(a.fault);
    EXPECT_TRUE(a.tlb_hit);
    EXPECT_EQ(static_cast<uint8_t *>(kmap_p2v(p))[10], 42);
    a = fake_mmu_user_read(kBase + 10, &value);
    EXPECT_TRUE(a.tlb_hit);
    EXPECT_EQ(value, 42);
}

TYPED_TEST_P(VpmapThroughTheMmu, EveryChangeIsSeenByTheNextAccess)
{
    this->Activate();
    this->MapFilled(kBase, MEMPERM_URW, 1);
    ASSERT_FALSE(fake_mmu_user_write(kBase, 2).fault);

    vpmap_set_perm(this->v_, kBase, 1, MEMPERM_UR);
    EXPECT_TRUE(fake_mmu_user_write(kBase, 3).fault) << "read-only now: the write must fault";
    uint8_t value = 0;
    EXPECT_FALSE(fake_mmu_user_read(kBase, &value).fault);
    EXPECT_EQ(value, 2);

    // Fork's sharing step makes the parent's writable page read-only.
    vpmap_set_perm(this->v_, kBase, 1, MEMPERM_URW);
    ASSERT_FALSE(fake_mmu_user_write(kBase, 4).fault);
    ASSERT_EQ(this->CowCopy(this->Other(), this->v_, kBase, 1, MEMPERM_UR), ERR_OK);
    EXPECT_TRUE(fake_mmu_user_write(kBase, 5).fault);

    // The copy-on-write fault's step: a private copy replaces the frame.
    paddr_t copy = NewPage();
    std::memset(kmap_p2v(copy), 9, PAGE_SIZE);
    this->Replace(this->v_, kBase, copy, MEMPERM_URW);
    FakeUserAccess a = fake_mmu_user_read(kBase, &value);
    EXPECT_EQ(a.paddr, copy);
    EXPECT_EQ(value, 9);

    vpmap_unmap(this->v_, kBase, 1, DropReference, nullptr);
    a = fake_mmu_user_read(kBase, &value);
    EXPECT_TRUE(a.fault);
    EXPECT_FALSE(a.present);
}

TYPED_TEST_P(VpmapThroughTheMmu, LoadDropsEveryEntry)
{
    this->Activate();
    this->MapFilled(kBase, MEMPERM_URW, 1);
    this->MapFilled(kBase + PAGE_SIZE, MEMPERM_URW, 1);
    uint8_t value;
    ASSERT_FALSE(fake_mmu_user_read(kBase, &value).fault);
    ASSERT_FALSE(fake_mmu_user_read(kBase + PAGE_SIZE, &value).fault);
    EXPECT_EQ(fake_mmu_tlb().size(), 2u);
    vpmap_load(this->Other());
    EXPECT_TRUE(fake_mmu_tlb().empty());
    EXPECT_TRUE(fake_mmu_user_read(kBase, &value).fault) << "another address space's page";
    vpmap_load(this->v_);
    EXPECT_FALSE(fake_mmu_user_read(kBase, &value).fault);
}

TYPED_TEST_P(VpmapThroughTheMmu, WithoutFlushesTheOldTranslationSurvives)
{
    this->Activate();
    paddr_t p = this->MapFilled(kBase, MEMPERM_URW, 1);
    ASSERT_FALSE(fake_mmu_user_write(kBase, 2).fault);
    fake_mmu_ignore_invalidations(true);

    vpmap_set_perm(this->v_, kBase, 1, MEMPERM_UR);
    FakeUserAccess a = fake_mmu_user_write(kBase, 3);
    EXPECT_FALSE(a.fault) << "the stale writable entry lets the write through";
    EXPECT_TRUE(a.tlb_hit);

    vpmap_unmap(this->v_, kBase, 1, nullptr, nullptr);  // the frame is kept, to look at
    uint8_t value = 0;
    a = fake_mmu_user_read(kBase, &value);
    EXPECT_FALSE(a.fault) << "a stale read of the unmapped frame";
    EXPECT_EQ(a.paddr, p);
    EXPECT_EQ(value, 3);
    EXPECT_TRUE(fake_mmu_take_invalidations().empty()) << "ignored, so none recorded";

    fake_mmu_ignore_invalidations(false);
    vpmap_load(this->v_);
    EXPECT_TRUE(fake_mmu_user_read(kBase, &value).fault);
    pmem_free(p);
}

REGISTER_TYPED_TEST_SUITE_P(VpmapThroughTheMmu,
                            AbsentKernelAndReadOnlyAccessesFaultWithTheRightPresentBit,
                            FirstAccessWalksAndCachesLaterOnesHit, EveryChangeIsSeenByTheNextAccess,
                            LoadDropsEveryEntry, WithoutFlushesTheOldTranslationSurvives);

// --- Several CPUs: every CPU that has the vpmap loaded drops what changed ----
//
// The vpmap is loaded on several simulated CPUs at once, as the threads of
// one process running on several CPUs would have it, each CPU with its own
// TLB; the change is made on one of them (or on a CPU that has another
// table loaded), and every other one's next access must see it.

template <typename Backend> class VpmapOnSeveralCpus : public VpmapThroughTheMmu<Backend> {
  protected:
    static constexpr unsigned kCpus = 3;

    void SetUp() override
    {
        VpmapThroughTheMmu<Backend>::SetUp();
        fake_cpus_set_count(kCpus);
        shootdowns_ = vpmap_shootdowns();
    }

    // v_ is loaded on each of `cpus`; CPU 0 runs again after.
    void LoadOn(std::initializer_list<unsigned> cpus, struct vpmap *v = nullptr)
    {
        for (unsigned cpu : cpus) {
            fake_cpus_set_current(cpu);
            vpmap_load(v != nullptr ? v : this->v_);
        }
        fake_cpus_set_current(0);
        this->TakeFlushes();
    }

    // A user read or write of va by CPU `cpu`; CPU 0 runs again after.
    static FakeUserAccess ReadOn(unsigned cpu, vaddr_t va, uint8_t *value)
    {
        fake_cpus_set_current(cpu);
        FakeUserAccess a = fake_mmu_user_read(va, value);
        fake_cpus_set_current(0);
        return a;
    }
    static FakeUserAccess WriteOn(unsigned cpu, vaddr_t va, uint8_t value)
    {
        fake_cpus_set_current(cpu);
        FakeUserAccess a = fake_mmu_user_write(va, value);
        fake_cpus_set_current(0);
        return a;
    }

    // The shootdowns since the last call.
    struct vpmap_shootdowns TakeShootdowns()
    {
        struct vpmap_shootdowns now = vpmap_shootdowns();
        struct vpmap_shootdowns delta = {now.rounds - shootdowns_.rounds,
                                         now.cpus_called - shootdowns_.cpus_called};
        shootdowns_ = now;
        return delta;
    }

    struct vpmap_shootdowns shootdowns_ = {};
};

TYPED_TEST_SUITE_P(VpmapOnSeveralCpus);

TYPED_TEST_P(VpmapOnSeveralCpus, EveryChangeIsSeenByEveryCpuThatHasTheVpmapLoaded)
{
    this->MapFilled(kBase, MEMPERM_URW, 1);
    this->LoadOn({0, 1, 2});
    for (unsigned cpu : {0u, 1u, 2u}) {
        ASSERT_FALSE(this->WriteOn(cpu, kBase, 2).fault) << "cpu " << cpu;
        ASSERT_EQ(fake_mmu_tlb_of(cpu).count(kBase), 1u) << "cpu " << cpu << " caches it";
    }
    uint8_t value = 0;

    // Write-protected on cpu 0: the write faults on cpus 1 and 2 too.
    vpmap_set_perm(this->v_, kBase, 1, MEMPERM_UR);
    for (unsigned cpu : {1u, 2u}) {
        FakeUserAccess a = this->WriteOn(cpu, kBase, 3);
        EXPECT_TRUE(a.fault && a.present) << "cpu " << cpu << " still writes a read-only page";
        EXPECT_FALSE(this->ReadOn(cpu, kBase, &value).fault);
        EXPECT_EQ(value, 2);
    }

    // Writable again, now changed on cpu 1: every CPU writes.
    fake_cpus_set_current(1);
    vpmap_set_perm(this->v_, kBase, 1, MEMPERM_URW);
    fake_cpus_set_current(0);
    for (unsigned cpu : {0u, 1u, 2u}) {
        EXPECT_FALSE(this->WriteOn(cpu, kBase, 4).fault) << "cpu " << cpu;
    }

    // Fork's sharing step on cpu 2: the source is read-only on cpus 0 and 1.
    fake_cpus_set_current(2);
    ASSERT_EQ(this->CowCopy(this->Other(), this->v_, kBase, 1, MEMPERM_UR), ERR_OK);
    fake_cpus_set_current(0);
    for (unsigned cpu : {0u, 1u}) {
        EXPECT_TRUE(this->WriteOn(cpu, kBase, 5).fault) << "cpu " << cpu << " writes a shared page";
    }

    // The copy-on-write fault's step on cpu 0: cpus 1 and 2 read the copy.
    paddr_t copy = NewPage();
    std::memset(kmap_p2v(copy), 9, PAGE_SIZE);
    this->Replace(this->v_, kBase, copy, MEMPERM_URW);
    for (unsigned cpu : {1u, 2u}) {
        FakeUserAccess a = this->ReadOn(cpu, kBase, &value);
        EXPECT_EQ(a.paddr, copy) << "cpu " << cpu << " reads the frame that was replaced";
        EXPECT_EQ(value, 9);
    }

    // Unmapped on cpu 1: gone on cpus 0 and 2.
    fake_cpus_set_current(1);
    vpmap_unmap(this->v_, kBase, 1, DropReference, nullptr);
    fake_cpus_set_current(0);
    for (unsigned cpu : {0u, 2u}) {
        FakeUserAccess a = this->ReadOn(cpu, kBase, &value);
        EXPECT_TRUE(a.fault && !a.present) << "cpu " << cpu << " reads an unmapped page";
    }
}

// The change is made on a CPU that has another table loaded, and reaches
// exactly the CPUs that have the vpmap: a CPU on another table keeps its TLB.
TYPED_TEST_P(VpmapOnSeveralCpus, AChangeReachesOnlyTheCpusThatHaveTheVpmapLoaded)
{
    this->MapFilled(kBase, MEMPERM_URW, 1);
    this->MapNew(this->Other(), kBase, MEMPERM_URW);
    this->LoadOn({1});
    this->LoadOn({2}, this->Other());
    uint8_t value = 0;
    ASSERT_FALSE(this->ReadOn(1, kBase, &value).fault);
    ASSERT_FALSE(this->ReadOn(2, kBase, &value).fault);

    vpmap_set_perm(this->v_, kBase, 1, MEMPERM_UR);  // on cpu 0, which has neither
    struct vpmap_shootdowns s = this->TakeShootdowns();
    EXPECT_EQ(s.rounds, 1u);
    EXPECT_EQ(s.cpus_called, 1u) << "cpu 1 alone";
    EXPECT_TRUE(this->WriteOn(1, kBase, 2).fault);
    EXPECT_EQ(fake_mmu_tlb_of(2).count(kBase), 1u) << "cpu 2's other table: nothing flushed";
    EXPECT_TRUE(this->ReadOn(2, kBase, &value).tlb_hit);

    // Made on the only CPU that has it loaded: a local flush, no shootdown.
    fake_cpus_set_current(1);
    vpmap_set_perm(this->v_, kBase, 1, MEMPERM_URW);
    EXPECT_FALSE(fake_mmu_user_write(kBase, 3).fault);
    fake_cpus_set_current(0);
    s = this->TakeShootdowns();
    EXPECT_EQ(s.rounds, 0u);

    // Loaded nowhere: no flush at all.
    this->LoadOn({1}, this->Other());
    vpmap_set_perm(this->v_, kBase, 1, MEMPERM_UR);
    EXPECT_TRUE(this->TakeFlushes().None()) << this->TakeFlushes();
    EXPECT_EQ(this->TakeShootdowns().rounds, 0u);
}

// One round of calls per call, whatever the number of pages; many pages
// flush the whole user half. Unmap hands pages back in rounds of at most
// TLB_BATCH_PAGES (and its freed tables count as pages of the round).
TYPED_TEST_P(VpmapOnSeveralCpus, OneRoundPerCallAndAWholeFlushForManyPages)
{
    const size_t pages = 40;  // more than TLB_BATCH_PAGES
    for (size_t i = 0; i < pages; i++) {
        this->MapFilled(kBase + i * PAGE_SIZE, MEMPERM_URW, 1);
    }
    this->LoadOn({0, 1, 2});
    auto cache_everywhere = [&] {
        for (unsigned cpu : {0u, 1u, 2u}) {
            for (size_t i = 0; i < pages; i++) {
                ASSERT_FALSE(this->WriteOn(cpu, kBase + i * PAGE_SIZE, 7).fault);
            }
        }
        this->TakeShootdowns();
    };
    cache_everywhere();
    vpmap_set_perm(this->v_, kBase, pages, MEMPERM_UR);
    struct vpmap_shootdowns s = this->TakeShootdowns();
    EXPECT_EQ(s.rounds, 1u);
    EXPECT_EQ(s.cpus_called, 2u);
    for (unsigned cpu : {0u, 1u, 2u}) {
        for (size_t i = 0; i < pages; i++) {
            EXPECT_TRUE(this->WriteOn(cpu, kBase + i * PAGE_SIZE, 8).fault)
                << "cpu " << cpu << ", page " << i;
        }
    }

    vpmap_set_perm(this->v_, kBase, pages, MEMPERM_URW);
    cache_everywhere();
    ASSERT_EQ(this->CowCopy(this->Other(), this->v_, kBase, pages, MEMPERM_UR), ERR_OK);
    EXPECT_EQ(this->TakeShootdowns().rounds, 1u);
    EXPECT_TRUE(fake_mmu_tlb_of(1).empty() && fake_mmu_tlb_of(2).empty())
        << "a whole flush on each";

    vpmap_set_perm(this->v_, kBase, pages, MEMPERM_URW);
    cache_everywhere();
    EXPECT_EQ(vpmap_unmap(this->v_, kBase, pages, DropReference, nullptr), pages);
    EXPECT_EQ(this->TakeShootdowns().rounds, 2u) << "pages handed back: 32, then the rest";
    for (unsigned cpu : {0u, 1u, 2u}) {
        uint8_t value;
        EXPECT_TRUE(this->ReadOn(cpu, kBase + (pages - 1) * PAGE_SIZE, &value).fault);
    }
}

TYPED_TEST_P(VpmapOnSeveralCpus, UnmapHandsAPageBackOnlyOnceNoCpuCachesIt)
{
    for (int i = 0; i < 3; i++) {
        this->MapFilled(kBase + i * PAGE_SIZE, MEMPERM_URW, 1);
    }
    this->LoadOn({0, 1, 2});
    for (unsigned cpu : {0u, 1u, 2u}) {
        for (int i = 0; i < 3; i++) {
            uint8_t value;
            ASSERT_FALSE(this->ReadOn(cpu, kBase + i * PAGE_SIZE, &value).fault);
        }
    }
    struct Seen {
        int reported = 0;
        std::vector<std::string> cached;  // "cpu C still caches 0x..." at a report
    } seen;
    vpmap_unmap(
        this->v_, kBase, 3,
        [](void *ctx, vaddr_t va, paddr_t page, memperm_t) {
            auto *seen = static_cast<Seen *>(ctx);
            seen->reported++;
            for (unsigned cpu = 0; cpu < 3; cpu++) {
                if (fake_mmu_tlb_of(cpu).count(va) != 0) {
                    seen->cached.push_back("cpu " + std::to_string(cpu) + " still caches " +
                                           std::to_string(va));
                }
            }
            EXPECT_EQ(cpus_current(), 0u) << "reported on the CPU that unmaps";
            pmem_dec_refcnt(page);
        },
        &seen);
    EXPECT_EQ(seen.reported, 3);
    EXPECT_TRUE(seen.cached.empty()) << seen.cached.front();
}

// The model can tell: when the calls to the other CPUs are lost (a
// shootdown that flushes only the CPU making it), they keep the old
// translation.
TYPED_TEST_P(VpmapOnSeveralCpus, WithoutTheCallsTheOtherCpusKeepTheOldTranslation)
{
    paddr_t old = this->MapFilled(kBase, MEMPERM_URW, 1);
    this->LoadOn({0, 1});
    uint8_t value = 0;
    ASSERT_FALSE(this->ReadOn(1, kBase, &value).fault);
    fake_cpus_lose_calls(true);
    paddr_t copy = NewPage();
    std::memset(kmap_p2v(copy), 9, PAGE_SIZE);
    pmem_inc_refcnt(old);  // kept, to look at
    this->Replace(this->v_, kBase, copy, MEMPERM_URW);
    FakeUserAccess a = this->ReadOn(1, kBase, &value);
    EXPECT_TRUE(a.tlb_hit);
    EXPECT_EQ(a.paddr, old) << "cpu 1 reads the replaced frame";
    EXPECT_EQ(value, 1);
    a = this->ReadOn(0, kBase, &value);
    EXPECT_EQ(a.paddr, copy) << "cpu 0, which made the change, flushed it";
    fake_cpus_lose_calls(false);
    pmem_dec_refcnt(old);
}

REGISTER_TYPED_TEST_SUITE_P(VpmapOnSeveralCpus, EveryChangeIsSeenByEveryCpuThatHasTheVpmapLoaded,
                            AChangeReachesOnlyTheCpusThatHaveTheVpmapLoaded,
                            OneRoundPerCallAndAWholeFlushForManyPages,
                            UnmapHandsAPageBackOnlyOnceNoCpuCachesIt,
                            WithoutTheCallsTheOtherCpusKeepTheOldTranslation);

}  // namespace vpmap_contract
