#include "testing/fake_vpmap.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

extern "C" {
#include "arch/page.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/tlb.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"
}

#include "testing/fake_mmu.h"

namespace {

// Page-table pages. The fake holds as many as the real x86_64 tables would
// for the same mappings (arch/x86_64/pte.h): the root, and below it one
// table per 512 GiB span (a PDPT), per 1 GiB span (a PD) and per 2 MiB span
// (a PT) that holds a mapped page. Each is a real pmem page, so page tables
// cost the same memory, run out of it and show in the accounting as the real
// ones do. A table is named by its level (3 PDPT, 2 PD, 1 PT) and the first
// address of the span it covers.
constexpr int kTableLevels = 3;

vaddr_t table_span(int level)
{
    return vaddr_t{PAGE_SIZE} << (9 * level);
}

using TableKey = std::pair<int, vaddr_t>;

TableKey table_key(int level, vaddr_t va)
{
    return {level, va & ~(table_span(level) - 1)};
}

struct FakeTable {
    paddr_t paddr;
    size_t pages;  // mapped pages in its span
};

}  // namespace

// A mapped page.
struct FakeMapping {
    paddr_t paddr;
    memperm_t perm;  // as x86_64 reports it: readable always
};

struct vpmap {
    std::map<vaddr_t, FakeMapping> pages;
    paddr_t root = 0;
    std::map<TableKey, FakeTable> tables;  // below the root
    size_t table_pages = 1;                // the root and `tables`, counted as they come and go
};

namespace {

std::set<struct vpmap *> live;
struct vpmap kernel_vpmap;  // root 0: the MMU's "nothing loaded"

// The permission as a mapping holds it, and as the x86_64 tables report it:
// every mapping is readable (kernel/mm/memperm.h).
memperm_t mapped_perm(memperm_t perm)
{
    return static_cast<memperm_t>(perm | MEMPERM_READ);
}

void check_range(const char *who, vaddr_t vaddr, size_t n)
{
    if (!pg_aligned(vaddr) || vaddr >= VPMAP_USER_TOP || n > (VPMAP_USER_TOP - vaddr) / PAGE_SIZE) {
        panic("%s: bad range 0x%lx + %lu pages", who, vaddr, n);
    }
}

// Frees the tables over va that map no page any more, as the real tables
// free each table that empties.
void free_empty_tables(struct vpmap *v, vaddr_t va)
{
    for (int level = 1; level <= kTableLevels; level++) {
        auto it = v->tables.find(table_key(level, va));
        if (it != v->tables.end() && it->second.pages == 0) {
            pmem_free(it->second.paddr);
            v->tables.erase(it);
            v->table_pages--;
        }
    }
}

// Makes sure the tables a mapping of va needs exist, allocating them from
// pmem. False when pmem has no page for one; then the tables made for va
// here are freed again.
bool make_tables(struct vpmap *v, vaddr_t va)
{
    for (int level = kTableLevels; level >= 1; level--) {
        TableKey key = table_key(level, va);
        if (v->tables.count(key)) {
            continue;
        }
        paddr_t paddr;
        if (pmem_alloc(&paddr) != ERR_OK) {
            free_empty_tables(v, va);
            return false;
        }
        v->tables[key] = FakeTable{paddr, 0};
        v->table_pages++;
    }
    return true;
}

// Records a mapping of va in its tables (which make_tables made).
void add_to_tables(struct vpmap *v, vaddr_t va)
{
    for (int level = kTableLevels; level >= 1; level--) {
        v->tables.at(table_key(level, va)).pages++;
    }
}

// Records that va is no longer mapped, freeing each table that empties.
void remove_from_tables(struct vpmap *v, vaddr_t va)
{
    for (int level = kTableLevels; level >= 1; level--) {
        v->tables.at(table_key(level, va)).pages--;
    }
    free_empty_tables(v, va);
}

// Maps va, allocating its tables. False (nothing mapped) when out of memory.
bool map_page(struct vpmap *v, vaddr_t va, FakeMapping m)
{
    if (!make_tables(v, va)) {
        return false;
    }
    add_to_tables(v, va);
    v->pages[va] = m;
    return true;
}

// A mapping in a tlb batch's value: the frame, with the permission in the
// page offset's bits (memperm_t fits there).
uint64_t Pack(const FakeMapping &m)
{
    return m.paddr | m.perm;
}

// vpmap_unmap's callback and its context, for the batch.
struct UnmapReport {
    vpmap_mapping_fn *fn;
    void *ctx;
};

// Hands an unmapped page back to vpmap_unmap's caller, once every CPU has
// flushed it (value: Pack of its mapping).
void ReportUnmapped(void *ctx, vaddr_t va, uint64_t value)
{
    auto *report = static_cast<UnmapReport *>(ctx);
    report->fn(report->ctx, va, pg_round_down(value),
               static_cast<memperm_t>(value - pg_round_down(value)));
}

// The mapping of the page containing va, or nullptr.
const FakeMapping *find(struct vpmap *v, vaddr_t va)
{
    auto it = v->pages.find(pg_round_down(va));
    return it == v->pages.end() ? nullptr : &it->second;
}

}  // namespace

void fake_vpmap_miscount_tables(struct vpmap *v, long delta)
{
    v->table_pages += delta;
}

extern "C" err_t vpmap_create(struct vpmap **out)
{
    paddr_t root;
    if (pmem_alloc(&root) != ERR_OK) {
        return ERR_NOMEM;
    }
    *out = new vpmap;
    (*out)->root = root;
    live.insert(*out);
    return ERR_OK;
}

extern "C" void vpmap_destroy(struct vpmap *v)
{
    if (mmu_cpus_with_root(v->root) != 0) {
        panic("vpmap_destroy: 0x%lx is the active address space of a CPU", v->root);
    }
    for (auto &[key, table] : v->tables) {
        pmem_free(table.paddr);
    }
    pmem_free(v->root);
    live.erase(v);
    delete v;
}

extern "C" size_t vpmap_table_pages(struct vpmap *v)
{
    return v->table_pages;
}

extern "C" void vpmap_for_each_table(struct vpmap *v, vpmap_table_fn *fn, void *ctx)
{
    fn(ctx, v->root);
    for (const auto &[key, table] : v->tables) {
        fn(ctx, table.paddr);
    }
}

extern "C" err_t vpmap_map(struct vpmap *v, vaddr_t vaddr, paddr_t paddr, size_t n, memperm_t perm)
{
    check_range("vpmap_map", vaddr, n);
    kassert(pg_aligned(paddr));
    kassert(perm & MEMPERM_USER);
    perm = mapped_perm(perm);
    for (size_t i = 0; i < n; i++) {
        if (v->pages.count(vaddr + i * PAGE_SIZE)) {
            panic("vpmap_map: 0x%lx is already mapped", vaddr + i * PAGE_SIZE);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!map_page(v, vaddr + i * PAGE_SIZE, FakeMapping{paddr + i * PAGE_SIZE, perm})) {
            vpmap_unmap(v, vaddr, i, nullptr, nullptr);
            return ERR_NOMEM;
        }
    }
    return ERR_OK;
}

extern "C" size_t vpmap_unmap(struct vpmap *v, vaddr_t vaddr, size_t n,
                              vpmap_mapping_fn *unmapped_fn, void *ctx)
{
    check_range("vpmap_unmap", vaddr, n);
    size_t unmapped = 0;
    UnmapReport report{unmapped_fn, ctx};
    struct tlb_batch flush;
    tlb_batch_start(&flush, v->root);
    auto it = v->pages.lower_bound(vaddr);
    while (it != v->pages.end() && it->first < vaddr + n * PAGE_SIZE) {
        vaddr_t va = it->first;
        FakeMapping m = it->second;
        // The fake's tables are never walked by the MMU (walk_fake reads the
        // map), so no CPU caches them: they may go at once.
        remove_from_tables(v, va);
        it = v->pages.erase(it);
        if (unmapped_fn != nullptr) {
            tlb_batch_add_then(&flush, va, ReportUnmapped, &report, Pack(m));
        } else {
            tlb_batch_add(&flush, va);
        }
        unmapped++;
    }
    tlb_batch_finish(&flush);
    return unmapped;
}

extern "C" paddr_t vpmap_replace(struct vpmap *v, vaddr_t vaddr, paddr_t paddr, memperm_t perm)
{
    check_range("vpmap_replace", vaddr, 1);
    kassert(pg_aligned(paddr));
    kassert(perm & MEMPERM_USER);
    perm = mapped_perm(perm);
    auto it = v->pages.find(vaddr);
    if (it == v->pages.end()) {
        panic("vpmap_replace: 0x%lx is not mapped", vaddr);
    }
    paddr_t old = it->second.paddr;
    it->second = FakeMapping{paddr, perm};
    vpmap_flush_tlb(v, vaddr);
    return old;
}

extern "C" void vpmap_set_perm(struct vpmap *v, vaddr_t vaddr, size_t n, memperm_t perm)
{
    check_range("vpmap_set_perm", vaddr, n);
    perm = mapped_perm(perm);
    struct tlb_batch flush;
    tlb_batch_start(&flush, v->root);
    for (auto it = v->pages.lower_bound(vaddr);
         it != v->pages.end() && it->first < vaddr + n * PAGE_SIZE; ++it) {
        if (it->second.perm != perm) {
            it->second.perm = perm;
            tlb_batch_add(&flush, it->first);
        }
    }
    tlb_batch_finish(&flush);
}

extern "C" err_t vpmap_lookup_vaddr(struct vpmap *v, vaddr_t vaddr, paddr_t *paddr, memperm_t *perm)
{
    const FakeMapping *m = vaddr < VPMAP_USER_TOP ? find(v, vaddr) : nullptr;
    if (m == nullptr) {
        return ERR_FAULT;
    }
    *paddr = m->paddr + (vaddr - pg_round_down(vaddr));
    if (perm != nullptr) {
        *perm = m->perm;
    }
    return ERR_OK;
}

extern "C" void vpmap_for_each_mapping(struct vpmap *v, vpmap_mapping_fn *fn, void *ctx)
{
    for (const auto &[va, m] : v->pages) {
        fn(ctx, va, m.paddr, m.perm);
    }
}

extern "C" err_t vpmap_cow_copy(struct vpmap *dst, struct vpmap *src, vaddr_t vaddr, size_t n,
                                memperm_t perm)
{
    check_range("vpmap_cow_copy", vaddr, n);
    kassert(perm & MEMPERM_USER);
    perm = mapped_perm(perm);
    std::vector<vaddr_t> copied;
    struct tlb_batch src_flush;
    tlb_batch_start(&src_flush, src->root);
    err_t result = ERR_OK;
    for (auto it = src->pages.lower_bound(vaddr);
         it != src->pages.end() && it->first < vaddr + n * PAGE_SIZE; ++it) {
        if (dst->pages.count(it->first)) {
            panic("vpmap_cow_copy: 0x%lx is already mapped in the destination", it->first);
        }
        if (!map_page(dst, it->first, FakeMapping{it->second.paddr, perm})) {
            for (vaddr_t va : copied) {
                vpmap_unmap(dst, va, 1, nullptr, nullptr);
            }
            result = ERR_NOMEM;
            break;
        }
        if (it->second.perm != perm) {
            it->second.perm = perm;
            tlb_batch_add(&src_flush, it->first);
        }
        copied.push_back(it->first);
    }
    tlb_batch_finish(&src_flush);  // src keeps the permissions changed so far
    return result;
}

// Flushes go through the real shootdowns (arch/x86_64/tlb.h) to the MMU
// (testing/fake_mmu), as the real tables' do: only CPUs with the root loaded
// have anything cached.
extern "C" void vpmap_flush_tlb_all(struct vpmap *v)
{
    tlb_flush_all(v->root);
}

extern "C" void vpmap_flush_tlb(struct vpmap *v, vaddr_t vaddr)
{
    tlb_flush_page(v->root, vaddr);
}

extern "C" struct vpmap *vpmap_kernel(void)
{
    return &kernel_vpmap;
}

extern "C" void vpmap_load(struct vpmap *v)
{
    mmu_load_root(v->root);
}

namespace {

// The MMU's walk of a fake table: its map, found by its root.
bool walk_fake(paddr_t root, vaddr_t page, FakeTranslation *out)
{
    for (struct vpmap *v : live) {
        if (v->root == root) {
            auto it = v->pages.find(page);
            if (it == v->pages.end()) {
                return false;
            }
            *out = FakeTranslation{it->second.paddr, it->second.perm};
            return true;
        }
    }
    return false;  // the kernel's: no user mapping
}

// The fake's tables hold no x86_64 entries for the MMU to walk: it walks the
// maps instead, from the first moment (before main runs).
[[maybe_unused]] const bool walker_installed = [] {
    fake_mmu_set_walker(walk_fake);
    return true;
}();

}  // namespace
