// vpmap on x86_64: 4-level page tables (see arch/vpmap.h for the interface
// and arch/x86_64/pte.h for the bit layout).
//
// A vpmap is its root table (the PML4) and the number of table pages it
// holds, the root included. The count is what sysinfo reports per process
// and what vm_check compares with a walk of the tables; keeping it here, where
// every table page is allocated and freed, is what keeps it exact.
//
// Tables come and go with the pages they map: walk() allocates the missing
// ones on the way down to a new mapping, and after an unmap
// free_empty_tables() frees, bottom up, those left mapping nothing. So a
// process that gives memory back gives back its tables too, not only at exit.
//
// TLBs: each change that a CPU's cached translation must not outlive is
// reported to a batch (tlb.h: "this page's translation changed", then
// "done"), which flushes it on every CPU that has the table loaded; work
// that must wait for that flush, such as handing an unmapped page back,
// goes with the page.
//
// Everything here is memory manipulation through kmap_p2v plus mmu.h's
// instructions and tlb.h's flushes, so host tests run this exact code on an
// arena, with the CPUs and their TLBs simulated.

#include "arch/vpmap.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/tlb.h"
#include "arch/x86_64/vpmap_kernel_half.h"
#include "kernel/lib/string.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"

// PML4 entries from here on map the kernel half.
#define KERNEL_HALF_FIRST_ENTRY 256

// Flags of a PML4, PDPT or PD entry that points to a user-half table. They
// allow everything; the leaf PTE restricts.
#define TABLE_FLAGS (PTE_PRESENT | PTE_WRITABLE | PTE_USER)

// Bits that describe a leaf mapping's permission (compared when deciding
// whether a permission actually changes).
#define PERM_BITS (PTE_PRESENT | PTE_WRITABLE | PTE_USER | PTE_NX)

struct vpmap {
    paddr_t root;        // the PML4
    size_t table_pages;  // the PML4 and every user-half table below it
};

static paddr_t kernel_half_root;

// The kernel's own page table (vpmap_kernel): its user half is empty. Its
// root is 0 until boot records the kernel half; host tests have none, and
// their MMU (testing/fake_mmu.h) takes root 0 for a table that maps nothing,
// while the machine's refuses to load it (arch/x86_64/mmu.c).
static struct vpmap kernel_vpmap = {.table_pages = 1};

void vpmap_set_kernel_half(paddr_t pml4)
{
    kernel_half_root = pml4;
    kernel_vpmap.root = pml4;
}

static uint64_t *table_at(paddr_t paddr)
{
    return kmap_p2v(paddr);
}

static uint64_t *root_table(struct vpmap *vpmap)
{
    return table_at(vpmap->root);
}

// Every table page of a vpmap comes from here and goes back through
// free_table_page, so that table_pages stays exact.
static err_t alloc_table(struct vpmap *vpmap, paddr_t *paddr)
{
    err_t err = pmem_alloc(paddr);
    if (err != ERR_OK) {
        return err;
    }
    memset(table_at(*paddr), 0, PAGE_SIZE);
    vpmap->table_pages++;
    return ERR_OK;
}

static void free_table_page(struct vpmap *vpmap, paddr_t table)
{
    pmem_free(table);
    vpmap->table_pages--;
}

static uint64_t leaf_bits(memperm_t perm)
{
    uint64_t bits = PTE_PRESENT;
    if (perm & MEMPERM_WRITE) {
        bits |= PTE_WRITABLE;
    }
    if (perm & MEMPERM_USER) {
        bits |= PTE_USER;
    }
    if (!(perm & MEMPERM_EXEC)) {
        bits |= PTE_NX;
    }
    return bits;
}

static memperm_t leaf_perm(uint64_t pte)
{
    unsigned perm = MEMPERM_READ;
    if (pte & PTE_WRITABLE) {
        perm |= MEMPERM_WRITE;
    }
    if (pte & PTE_USER) {
        perm |= MEMPERM_USER;
    }
    if (!(pte & PTE_NX)) {
        perm |= MEMPERM_EXEC;
    }
    return (memperm_t)perm;
}

// Panics unless [vaddr, vaddr + n pages) is page-aligned and inside the user
// half. Returns the end of the range.
static vaddr_t check_range(const char *who, vaddr_t vaddr, size_t n)
{
    if (!pg_aligned(vaddr) || vaddr >= VPMAP_USER_TOP || n > (VPMAP_USER_TOP - vaddr) / PAGE_SIZE) {
        panic("%s: bad range 0x%lx + %lu pages", who, vaddr, n);
    }
    return vaddr + n * PAGE_SIZE;
}

enum walk_mode {
    WALK_LOOKUP,  // stop at a missing table
    WALK_CREATE,  // allocate missing tables
};

// Bytes of address space one entry of a table at `level` covers: a page in a
// PT (level 1), 2 MiB in a PD, 1 GiB in a PDPT, 512 GiB in the PML4.
static uint64_t entry_span(int level)
{
    return (uint64_t)PAGE_SIZE << (9 * (level - 1));
}

// Returns the PT entry for vaddr, or NULL when a table on the way is missing
// (WALK_LOOKUP) or cannot be allocated (WALK_CREATE: out of memory). When a
// lookup finds a table missing and `gap` is not NULL, *gap is the span of
// the entry that lacks it: nothing in that aligned span around vaddr is
// mapped.
static uint64_t *walk(struct vpmap *vpmap, vaddr_t vaddr, enum walk_mode mode, uint64_t *gap)
{
    uint64_t *table = root_table(vpmap);
    for (int level = 4; level > 1; level--) {
        uint64_t *entry = &table[pt_index(vaddr, level)];
        if (!(*entry & PTE_PRESENT)) {
            paddr_t new_table;
            if (mode == WALK_LOOKUP) {
                if (gap != NULL) {
                    *gap = entry_span(level);
                }
                return NULL;
            }
            if (alloc_table(vpmap, &new_table) != ERR_OK) {
                return NULL;
            }
            *entry = new_table | TABLE_FLAGS;
        }
        kassert(!(*entry & PTE_LARGE));  // the user half uses 4 KiB pages only
        table = table_at(pte_address(*entry));
    }
    return &table[pt_index(vaddr, 1)];
}

static bool table_is_empty(const uint64_t *table)
{
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        if (table[i] & PTE_PRESENT) {
            return false;
        }
    }
    return true;
}

// A table that free_empty_tables unlinked goes back to pmem here, once no
// CPU can walk through it any more (ctx: the vpmap; value: the table).
static void free_unlinked_table(void *ctx, vaddr_t va, uint64_t table)
{
    (void)va;
    free_table_page(ctx, table);
}

// Called after pages in [start, end) were unmapped: frees each table below
// `table` (a table at `level` > 1) that covers part of that range and maps
// nothing any more, once `flush` has been flushed. It goes deepest first, so
// that a PD whose last PT was just unlinked goes too. Only tables over the
// range can have emptied: the rest hold what they held. The caller's own
// table stays, even if empty (the root always does).
static void free_empty_tables(struct vpmap *vpmap, struct tlb_batch *flush, uint64_t *table,
                              int level, vaddr_t start, vaddr_t end)
{
    uint64_t span = entry_span(level);
    for (vaddr_t va = start; va < end;) {
        vaddr_t next = (va & ~(span - 1)) + span;  // where the next entry's span starts
        uint64_t *entry = &table[pt_index(va, level)];
        if (*entry & PTE_PRESENT) {
            paddr_t below = pte_address(*entry);
            if (level > 2) {
                free_empty_tables(vpmap, flush, table_at(below), level - 1, va,
                                  next < end ? next : end);
            }
            if (table_is_empty(table_at(below))) {
                *entry = 0;
                // CPUs cache upper-level entries too (their paging-structure
                // caches). Every CPU drops them before the page can be handed
                // out again, or a walk could still go through it.
                tlb_batch_add_then(flush, va, free_unlinked_table, vpmap, below);
            }
        }
        va = next;
    }
}

// What for_each_leaf calls for each present leaf entry in its range: the
// entry, which it may change, and the page it maps.
typedef void leaf_fn(struct vpmap *vpmap, uint64_t *pte, vaddr_t va, void *ctx);

// Calls fn for each present PT entry for a page in [start, end), in
// ascending order. One walk from the root finds each PT the range reaches,
// whose entries then follow one another; a missing table skips its whole
// span. So one page costs one walk, and a large range one walk per 512
// pages.
static void for_each_leaf(struct vpmap *vpmap, vaddr_t start, vaddr_t end, leaf_fn *fn, void *ctx)
{
    const uint64_t pt_span = entry_span(2);  // what one PT maps
    for (vaddr_t va = start; va < end;) {
        uint64_t gap;
        uint64_t *pte = walk(vpmap, va, WALK_LOOKUP, &gap);
        if (pte == NULL) {
            va = (va & ~(gap - 1)) + gap;
            continue;
        }
        vaddr_t pt_end = (va & ~(pt_span - 1)) + pt_span;
        for (; va < end && va < pt_end; va += PAGE_SIZE, pte++) {
            if (*pte & PTE_PRESENT) {
                fn(vpmap, pte, va, ctx);
            }
        }
    }
}

err_t vpmap_create(struct vpmap **out)
{
    void *memory;
    err_t err = kmalloc(sizeof(struct vpmap), &memory);
    if (err != ERR_OK) {
        return err;
    }
    struct vpmap *vpmap = memory;
    vpmap->table_pages = 0;
    err = alloc_table(vpmap, &vpmap->root);
    if (err != ERR_OK) {
        kfree(vpmap);
        return err;
    }
    if (kernel_half_root != 0) {
        memcpy(root_table(vpmap) + KERNEL_HALF_FIRST_ENTRY,
               table_at(kernel_half_root) + KERNEL_HALF_FIRST_ENTRY,
               (PT_ENTRIES - KERNEL_HALF_FIRST_ENTRY) * sizeof(uint64_t));
    }
    *out = vpmap;
    return ERR_OK;
}

// Frees a user-half table at `level` and every table below it (the pages a
// PT maps are not the vpmap's: they are left alone).
static void free_table(struct vpmap *vpmap, paddr_t table_paddr, int level)
{
    if (level > 1) {
        uint64_t *table = table_at(table_paddr);
        for (unsigned i = 0; i < PT_ENTRIES; i++) {
            if (table[i] & PTE_PRESENT) {
                free_table(vpmap, pte_address(table[i]), level - 1);
            }
        }
    }
    free_table_page(vpmap, table_paddr);
}

void vpmap_destroy(struct vpmap *vpmap)
{
    if (mmu_cpus_with_root(vpmap->root) != 0) {
        panic("vpmap_destroy: 0x%lx is the active address space of a CPU", vpmap->root);
    }
    uint64_t *pml4 = root_table(vpmap);
    for (unsigned i = 0; i < KERNEL_HALF_FIRST_ENTRY; i++) {
        if (pml4[i] & PTE_PRESENT) {
            free_table(vpmap, pte_address(pml4[i]), 3);
        }
    }
    free_table_page(vpmap, vpmap->root);
    kassert(vpmap->table_pages == 0);
    kfree(vpmap);
}

size_t vpmap_table_pages(struct vpmap *vpmap)
{
    return vpmap->table_pages;
}

err_t vpmap_map(struct vpmap *vpmap, vaddr_t vaddr, paddr_t paddr, size_t n, memperm_t perm)
{
    check_range("vpmap_map", vaddr, n);
    kassert(pg_aligned(paddr));
    kassert(perm & MEMPERM_USER);
    uint64_t bits = leaf_bits(perm);
    for (size_t i = 0; i < n; i++) {
        vaddr_t va = vaddr + i * PAGE_SIZE;
        uint64_t *pte = walk(vpmap, va, WALK_CREATE, NULL);
        if (pte == NULL) {
            // Unmaps the i pages mapped so far, and frees every table that
            // leaves empty: also those the failed walk made for page i.
            vpmap_unmap(vpmap, vaddr, i + 1, NULL, NULL);
            return ERR_NOMEM;
        }
        if (*pte & PTE_PRESENT) {
            panic("vpmap_map: 0x%lx is already mapped (to 0x%lx)", va, pte_address(*pte));
        }
        // Not present before, so no TLB entry can exist: no flush needed.
        *pte = (paddr + i * PAGE_SIZE) | bits;
    }
    return ERR_OK;
}

// vpmap_unmap's walk: the caller's callback, the count, and the flush.
struct unmap_walk {
    vpmap_mapping_fn *unmapped_fn;
    void *ctx;
    size_t unmapped;
    struct tlb_batch *flush;
};

// Hands an unmapped page back to vpmap_unmap's caller, once no CPU can
// reach it any more (ctx: the walk; old: the page's entry before).
static void report_unmapped(void *ctx, vaddr_t va, uint64_t old)
{
    struct unmap_walk *w = ctx;
    w->unmapped_fn(w->ctx, va, pte_address(old), leaf_perm(old));
}

static void unmap_leaf(struct vpmap *vpmap, uint64_t *pte, vaddr_t va, void *ctx)
{
    (void)vpmap;
    struct unmap_walk *w = ctx;
    uint64_t old = *pte;
    *pte = 0;
    if (w->unmapped_fn != NULL) {
        tlb_batch_add_then(w->flush, va, report_unmapped, w, old);
    } else {
        tlb_batch_add(w->flush, va);
    }
    w->unmapped++;
}

size_t vpmap_unmap(struct vpmap *vpmap, vaddr_t vaddr, size_t n, vpmap_mapping_fn *unmapped_fn,
                   void *ctx)
{
    vaddr_t end = check_range("vpmap_unmap", vaddr, n);
    struct tlb_batch flush;
    tlb_batch_start(&flush, vpmap->root);
    struct unmap_walk w = {.unmapped_fn = unmapped_fn, .ctx = ctx, .flush = &flush};
    for_each_leaf(vpmap, vaddr, end, unmap_leaf, &w);
    // Then the tables this left empty (the root stays).
    free_empty_tables(vpmap, &flush, root_table(vpmap), 4, vaddr, end);
    tlb_batch_finish(&flush);
    return w.unmapped;
}

paddr_t vpmap_replace(struct vpmap *vpmap, vaddr_t vaddr, paddr_t paddr, memperm_t perm)
{
    check_range("vpmap_replace", vaddr, 1);
    kassert(pg_aligned(paddr));
    kassert(perm & MEMPERM_USER);
    uint64_t *pte = walk(vpmap, vaddr, WALK_LOOKUP, NULL);
    if (pte == NULL || !(*pte & PTE_PRESENT)) {
        panic("vpmap_replace: 0x%lx is not mapped", vaddr);
    }
    paddr_t old = pte_address(*pte);
    *pte = paddr | leaf_bits(perm);
    vpmap_flush_tlb(vpmap, vaddr);
    return old;
}

// vpmap_set_perm's walk: the new permission's bits, and the flush.
struct set_perm_walk {
    uint64_t bits;
    struct tlb_batch *flush;
};

static void set_perm_leaf(struct vpmap *vpmap, uint64_t *pte, vaddr_t va, void *ctx)
{
    (void)vpmap;
    struct set_perm_walk *w = ctx;
    if ((*pte & PERM_BITS) != w->bits) {
        *pte = (*pte & ~PERM_BITS) | w->bits;
        tlb_batch_add(w->flush, va);
    }
}

void vpmap_set_perm(struct vpmap *vpmap, vaddr_t vaddr, size_t n, memperm_t perm)
{
    vaddr_t end = check_range("vpmap_set_perm", vaddr, n);
    struct tlb_batch flush;
    tlb_batch_start(&flush, vpmap->root);
    struct set_perm_walk w = {.bits = leaf_bits(perm), .flush = &flush};
    for_each_leaf(vpmap, vaddr, end, set_perm_leaf, &w);
    tlb_batch_finish(&flush);
}

err_t vpmap_lookup_vaddr(struct vpmap *vpmap, vaddr_t vaddr, paddr_t *paddr, memperm_t *perm)
{
    if (vaddr >= VPMAP_USER_TOP) {
        return ERR_FAULT;
    }
    uint64_t *pte = walk(vpmap, pg_round_down(vaddr), WALK_LOOKUP, NULL);
    if (pte == NULL || !(*pte & PTE_PRESENT)) {
        return ERR_FAULT;
    }
    *paddr = pte_address(*pte) + (vaddr - pg_round_down(vaddr));
    if (perm != NULL) {
        *perm = leaf_perm(*pte);
    }
    return ERR_OK;
}

// Calls fn for each page mapped under the `level` table at table_paddr,
// whose span starts at `base`, in ascending order: each table is read once,
// entry by entry (fork and exit pass over every page this way).
static void for_each_mapping_below(paddr_t table_paddr, int level, vaddr_t base,
                                   vpmap_mapping_fn *fn, void *ctx)
{
    uint64_t *table = table_at(table_paddr);
    unsigned entries = level == 4 ? KERNEL_HALF_FIRST_ENTRY : PT_ENTRIES;
    for (unsigned i = 0; i < entries; i++) {
        uint64_t entry = table[i];
        if (!(entry & PTE_PRESENT)) {
            continue;
        }
        vaddr_t va = base + i * entry_span(level);
        if (level == 1) {
            fn(ctx, va, pte_address(entry), leaf_perm(entry));
        } else {
            for_each_mapping_below(pte_address(entry), level - 1, va, fn, ctx);
        }
    }
}

void vpmap_for_each_mapping(struct vpmap *vpmap, vpmap_mapping_fn *fn, void *ctx)
{
    for_each_mapping_below(vpmap->root, 4, 0, fn, ctx);
}

// Calls fn for each table below the `level` table at table_paddr (not for
// that table itself), depth first.
static void for_each_table_below(paddr_t table_paddr, int level, vpmap_table_fn *fn, void *ctx)
{
    uint64_t *table = table_at(table_paddr);
    unsigned entries = level == 4 ? KERNEL_HALF_FIRST_ENTRY : PT_ENTRIES;
    for (unsigned i = 0; i < entries; i++) {
        if (table[i] & PTE_PRESENT) {
            fn(ctx, pte_address(table[i]));
            if (level > 2) {
                for_each_table_below(pte_address(table[i]), level - 1, fn, ctx);
            }
        }
    }
}

void vpmap_for_each_table(struct vpmap *vpmap, vpmap_table_fn *fn, void *ctx)
{
    fn(ctx, vpmap->root);
    for_each_table_below(vpmap->root, 4, fn, ctx);
}

// LAB cow BEGIN: share the pages of one table
// What vpmap_cow_copy carries down the tables.
struct cow_share {
    struct vpmap *dst;
    struct vpmap *src;
    uint64_t bits;                // the leaf bits of the shared permission
    size_t shared;                // pages shared so far
    struct tlb_batch *src_flush;  // src's entries whose permission changed
    vaddr_t failed_at;            // on ERR_NOMEM: the page whose dst table was missing
};

// Shares the pages that the page table src_pt maps in its entries
// [first, last) into dst_pt, entry by entry; va is entry first's address.
static void share_pt(struct cow_share *s, uint64_t *dst_pt, uint64_t *src_pt, unsigned first,
                     unsigned last, vaddr_t va)
{
    for (unsigned i = first; i < last; i++, va += PAGE_SIZE) {
        uint64_t entry = src_pt[i];
        if (!(entry & PTE_PRESENT)) {
            continue;
        }
        if (dst_pt[i] & PTE_PRESENT) {
            panic("vpmap_cow_copy: 0x%lx is already mapped in the destination", va);
        }
        if ((entry & PERM_BITS) != s->bits) {
            src_pt[i] = (entry & ~PERM_BITS) | s->bits;
            tlb_batch_add(s->src_flush, va);
        }
        dst_pt[i] = pte_address(entry) | s->bits;
        s->shared++;
    }
}

// Shares the pages that the `level` (> 1) table src_table maps in
// [start, end), a range inside that table's span, into dst_table: each
// present entry's table is matched in dst (allocated if missing) and shared
// in turn, so every table is read once, entry by entry, and nothing walks
// from the root per page. Returns ERR_OK, or ERR_NOMEM with s->failed_at set
// when a dst table cannot be allocated.
static err_t share_table(struct cow_share *s, uint64_t *dst_table, uint64_t *src_table, int level,
                         vaddr_t start, vaddr_t end)
{
    uint64_t span = entry_span(level);
    for (vaddr_t va = start; va < end;) {
        vaddr_t next = (va & ~(span - 1)) + span;  // where the next entry's span starts
        vaddr_t stop = next < end ? next : end;
        unsigned i = pt_index(va, level);
        if (src_table[i] & PTE_PRESENT) {
            bool made = !(dst_table[i] & PTE_PRESENT);
            if (made) {
                paddr_t table;
                if (alloc_table(s->dst, &table) != ERR_OK) {
                    s->failed_at = va;
                    return ERR_NOMEM;
                }
                dst_table[i] = table | TABLE_FLAGS;
            }
            paddr_t dst_below = pte_address(dst_table[i]);
            uint64_t *src_below = table_at(pte_address(src_table[i]));
            size_t shared_before = s->shared;
            if (level == 2) {
                // Up to the page at stop - 1, the range's last in this PT.
                share_pt(s, table_at(dst_below), src_below, pt_index(va, 1),
                         pt_index(stop - 1, 1) + 1, va);
            } else {
                err_t err = share_table(s, table_at(dst_below), src_below, level - 1, va, stop);
                if (err != ERR_OK) {
                    return err;
                }
            }
            if (made && s->shared == shared_before) {
                // src's table maps pages only outside the range: dst keeps
                // no table that maps nothing (vpmap.h). Flushed as in
                // free_empty_tables, should a CPU have dst loaded.
                dst_table[i] = 0;
                vpmap_flush_tlb(s->dst, va);
                free_table_page(s->dst, dst_below);
            }
        }
        va = next;
    }
    return ERR_OK;
}
// LAB cow END

err_t vpmap_cow_copy(struct vpmap *dst, struct vpmap *src, vaddr_t vaddr, size_t n, memperm_t perm)
{
    vaddr_t end = check_range("vpmap_cow_copy", vaddr, n);
    kassert(perm & MEMPERM_USER);
    // LAB cow BEGIN: share the pages of a range
    struct tlb_batch src_flush;
    tlb_batch_start(&src_flush, src->root);
    struct cow_share s = {.dst = dst, .src = src, .bits = leaf_bits(perm), .src_flush = &src_flush};
    err_t result = share_table(&s, root_table(dst), root_table(src), 4, vaddr, end);
    if (result != ERR_OK) {
        // Up to and including the page that failed, so that the tables made
        // on the way to it go too.
        vpmap_unmap(dst, vaddr, (s.failed_at - vaddr) / PAGE_SIZE + 1, NULL, NULL);
    }
    // Before returning: the caller may rely on src's pages being read-only.
    tlb_batch_finish(&src_flush);
    return result;
    // LAB cow END
}

void vpmap_flush_tlb_all(struct vpmap *vpmap)
{
    tlb_flush_all(vpmap->root);
}

void vpmap_flush_tlb(struct vpmap *vpmap, vaddr_t vaddr)
{
    tlb_flush_page(vpmap->root, vaddr);
}

struct vpmap *vpmap_kernel(void)
{
    return &kernel_vpmap;
}

void vpmap_load(struct vpmap *vpmap)
{
    mmu_load_root(vpmap->root);
}
