#include "kernel/mm/pmem.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/sync/spinlock.h"

// The struct page array covers the "span": every page from the lowest to the
// highest usable page of the memory map, holes included, so that
// paddr_to_page is one subtraction and one division, with no search. The
// price is a struct page (16 bytes) for each page of the holes: 4 MiB per
// GiB of hole, such as the PCI window below 4 GiB on a PC with more memory
// than that. Reserved ranges outside the span (QEMU reports one at 1 TiB)
// cost nothing.
//
// Entries for pages pmem does not manage (holes, excluded pages) carry
// refcount PAGE_UNMANAGED. paddr_to_page rejects them, so no caller ever sees
// that value, and a managed page's count is never negative.
#define PAGE_UNMANAGED (-1)

static struct {
    // Set by pmem_init and constant afterwards: read without the lock.
    struct page *pages;  // pages[i] describes physical page base + i * PAGE_SIZE
    paddr_t base;        // first page of the span
    size_t num_pages;    // entries in pages[]
    size_t total;        // managed pages: those with refcount >= 0
    struct pmem_init_counts init_counts;

    // lock protects free_list, num_free, and both fields of every managed
    // struct page.
    struct spinlock lock;
    struct page *free_list;  // LIFO, linked through next_free
    size_t num_free;
} pmem;

// A stretch of physical memory pmem_init must not hand out, rounded out to
// whole pages, and the init count its pages go to.
struct exclusion {
    paddr_t start;
    paddr_t end;
    size_t *count;
};

// Page 0, the kernel, the modules and their names, the command line and every
// non-usable range of the map. Used only inside pmem_init, which runs alone;
// static rather than on the boot stack, which is small.
#define MAX_EXCLUSIONS (2 + 2 * BOOT_MAX_MODULES + 1 + BOOT_MAX_MEM_RANGES)
static struct exclusion exclusions[MAX_EXCLUSIONS];
static size_t num_exclusions;

// start + length, or the top of the address space if that wraps.
static paddr_t range_end(paddr_t start, uint64_t length)
{
    return start + length < start ? UINT64_MAX : start + length;
}

static bool overlaps(paddr_t a_start, paddr_t a_end, paddr_t b_start, paddr_t b_end)
{
    return a_start < b_end && b_start < a_end;
}

// The whole pages inside [start, end): [*first, *last). Empty when first >= last.
static void whole_pages(paddr_t start, paddr_t end, paddr_t *first, paddr_t *last)
{
    *first = pg_round_up(start);
    *last = pg_round_down(end);
}

static void exclude(paddr_t start, paddr_t end, size_t *count)
{
    kassert(num_exclusions < MAX_EXCLUSIONS);
    if (end <= start) {
        return;
    }
    // Round out: a page the range touches at all is excluded whole. A range
    // reaching into the last page of the address space is clamped rather
    // than rounded up past 2^64 to 0.
    exclusions[num_exclusions++] = (struct exclusion){
        .start = pg_round_down(start),
        .end = end > UINT64_MAX - PAGE_SIZE ? pg_round_down(UINT64_MAX) : pg_round_up(end),
        .count = count,
    };
}

static void exclude_string(const char *s, size_t *count)
{
    paddr_t start = kmap_v2p(s);
    exclude(start, start + strlen(s) + 1, count);
}

// Lists what pmem_init must not hand out, in the order that decides which
// init count a page claimed twice goes to (see pmem.h).
static void collect_exclusions(const struct boot_info *info, struct pmem_init_counts *counts)
{
    num_exclusions = 0;
    exclude(0, PAGE_SIZE, &counts->reserved);
    kassert(info->kernel_start <= info->kernel_end);
    exclude(info->kernel_start, info->kernel_end, &counts->kernel_image);
    for (size_t i = 0; i < info->num_modules; i++) {
        exclude(info->modules[i].start, info->modules[i].end, &counts->modules);
    }
    exclude_string(info->cmdline, &counts->boot_data);
    for (size_t i = 0; i < info->num_modules; i++) {
        if (info->modules[i].name != NULL) {
            exclude_string(info->modules[i].name, &counts->boot_data);
        }
    }
    // Firmware maps sometimes list a range twice with different types; when
    // one says reserved, believe it.
    for (size_t i = 0; i < info->num_mem_ranges; i++) {
        const struct mem_range *r = &info->mem_ranges[i];
        if (r->type != MEM_USABLE) {
            exclude(r->start, range_end(r->start, r->length), &counts->reserved);
        }
    }
}

// True when [at, at + bytes) lies in the whole pages of one usable range and
// touches no exclusion.
static bool array_fits(const struct boot_info *info, paddr_t at, uint64_t bytes)
{
    paddr_t end = at + bytes;
    bool inside = false;
    for (size_t i = 0; i < info->num_mem_ranges && !inside; i++) {
        const struct mem_range *r = &info->mem_ranges[i];
        paddr_t first, last;
        whole_pages(r->start, range_end(r->start, r->length), &first, &last);
        inside = r->type == MEM_USABLE && first <= at && end <= last && at < end;
    }
    for (size_t i = 0; i < num_exclusions && inside; i++) {
        inside = !overlaps(at, end, exclusions[i].start, exclusions[i].end);
    }
    return inside;
}

// The lowest page-aligned address where the struct page array fits. Lowest,
// because the boot page tables map only the first GiB, so low memory is what
// kmap_p2v reaches earliest.
//
// Only two kinds of address can be the lowest fit: the first whole page of a
// usable range, or the end of an exclusion. (If the array fits at A but not
// one page lower, then either A starts its usable range, or the page below
// A is excluded, so an exclusion ends at A.) So those are the candidates.
static paddr_t place_page_array(const struct boot_info *info, uint64_t bytes)
{
    paddr_t best = UINT64_MAX;
    for (size_t i = 0; i < info->num_mem_ranges; i++) {
        paddr_t at = pg_round_up(info->mem_ranges[i].start);
        if (at < best && array_fits(info, at, bytes)) {
            best = at;
        }
    }
    for (size_t i = 0; i < num_exclusions; i++) {
        paddr_t at = exclusions[i].end;
        if (at < best && array_fits(info, at, bytes)) {
            best = at;
        }
    }
    if (best == UINT64_MAX) {
        panic("pmem_init: no usable stretch holds the page array (%lu bytes)", bytes);
    }
    return best;
}

// Index range of the span covered by [start, end), clamped to the span.
static void span_indexes(paddr_t start, paddr_t end, size_t *first, size_t *last)
{
    paddr_t span_end = pmem.base + pmem.num_pages * PAGE_SIZE;
    start = start < pmem.base ? pmem.base : start;
    end = end > span_end ? span_end : end;
    *first = (start - pmem.base) / PAGE_SIZE;
    *last = end > start ? (end - pmem.base) / PAGE_SIZE : *first;
}

// Takes the usable pages in [start, end) out of the running, counting them.
static void mark_unmanaged(paddr_t start, paddr_t end, size_t *count)
{
    size_t first, last;
    span_indexes(start, end, &first, &last);
    for (size_t i = first; i < last; i++) {
        if (pmem.pages[i].refcount != PAGE_UNMANAGED) {
            pmem.pages[i].refcount = PAGE_UNMANAGED;
            (*count)++;
        }
    }
}

void pmem_init(const struct boot_info *info)
{
    struct pmem_init_counts counts = {0};

    // The span: lowest to highest whole usable page.
    paddr_t lowest = UINT64_MAX;
    paddr_t highest = 0;
    for (size_t i = 0; i < info->num_mem_ranges; i++) {
        const struct mem_range *r = &info->mem_ranges[i];
        paddr_t first, last;
        whole_pages(r->start, range_end(r->start, r->length), &first, &last);
        if (r->type == MEM_USABLE && first < last) {
            lowest = first < lowest ? first : lowest;
            highest = last > highest ? last : highest;
        }
    }
    if (lowest >= highest) {
        panic("pmem_init: the memory map has no usable page");
    }
    pmem.base = lowest;
    pmem.num_pages = (highest - lowest) / PAGE_SIZE;

    collect_exclusions(info, &counts);
    uint64_t array_bytes = pg_round_up(pmem.num_pages * sizeof(struct page));
    counts.page_structs_paddr = place_page_array(info, array_bytes);
    pmem.pages = kmap_p2v(counts.page_structs_paddr);

    // Every entry starts unmanaged; the usable ranges make their pages
    // candidates (refcount 0). Ranges may overlap, so a page counts as usable
    // when it first becomes a candidate.
    for (size_t i = 0; i < pmem.num_pages; i++) {
        pmem.pages[i] = (struct page){.refcount = PAGE_UNMANAGED, .next_free = NULL};
    }
    for (size_t i = 0; i < info->num_mem_ranges; i++) {
        const struct mem_range *r = &info->mem_ranges[i];
        if (r->type != MEM_USABLE) {
            continue;
        }
        paddr_t start, end;
        size_t first, last;
        whole_pages(r->start, range_end(r->start, r->length), &start, &end);
        span_indexes(start, end, &first, &last);
        for (size_t j = first; j < last; j++) {
            if (pmem.pages[j].refcount == PAGE_UNMANAGED) {
                pmem.pages[j].refcount = 0;
                counts.usable++;
            }
        }
    }

    // Then the exclusions, in order, take their candidates away.
    for (size_t i = 0; i < num_exclusions; i++) {
        mark_unmanaged(exclusions[i].start, exclusions[i].end, exclusions[i].count);
    }
    mark_unmanaged(counts.page_structs_paddr, counts.page_structs_paddr + array_bytes,
                   &counts.page_structs);

    // The candidates left are free. Pushing from the top down leaves the
    // lowest page at the head of the LIFO list: early allocations (such as
    // page tables that extend the direct map) come from low memory, which the
    // boot page tables already map.
    spinlock_init(&pmem.lock, "pmem");
    pmem.free_list = NULL;
    pmem.num_free = 0;
    for (size_t i = pmem.num_pages; i-- > 0;) {
        if (pmem.pages[i].refcount == 0) {
            pmem.pages[i].next_free = pmem.free_list;
            pmem.free_list = &pmem.pages[i];
            pmem.num_free++;
        }
    }
    pmem.total = pmem.num_free;
    counts.free = pmem.num_free;

    // The array sits in candidate pages only (place_page_array), so all of
    // it was counted; and the figures add up by construction. Check both.
    kassert(counts.page_structs == array_bytes / PAGE_SIZE);
    kassert(counts.free + counts.kernel_image + counts.page_structs + counts.modules +
                counts.boot_data + counts.reserved ==
            counts.usable);
    pmem.init_counts = counts;
}

void pmem_get_init_counts(struct pmem_init_counts *counts)
{
    *counts = pmem.init_counts;
}

// The struct page of a managed page, or a panic naming the caller. Caller
// holds pmem.lock (the refcount it reads is the lock's).
static struct page *managed_page(paddr_t paddr, const char *who)
{
    size_t index = (paddr - pmem.base) / PAGE_SIZE;
    if (paddr < pmem.base || index >= pmem.num_pages ||
        pmem.pages[index].refcount == PAGE_UNMANAGED) {
        panic("%s: 0x%lx is not an address pmem manages", who, paddr);
    }
    return &pmem.pages[index];
}

static paddr_t page_paddr(const struct page *page)
{
    return pmem.base + (paddr_t)(page - pmem.pages) * PAGE_SIZE;
}

// Puts an allocated page whose count just reached 0 back on the free list.
// Caller holds pmem.lock.
static void push_free(struct page *page)
{
    page->next_free = pmem.free_list;
    pmem.free_list = page;
    pmem.num_free++;
}

err_t pmem_alloc(paddr_t *paddr)
{
    spinlock_acquire(&pmem.lock);
    struct page *page = pmem.free_list;
    if (page == NULL) {
        spinlock_release(&pmem.lock);
        return ERR_NOMEM;
    }
    // A free page with a count is a corrupted free list: someone wrote to a
    // struct page they did not own.
    if (page->refcount != 0) {
        panic("pmem_alloc: free page 0x%lx has refcount %d", page_paddr(page), page->refcount);
    }
    pmem.free_list = page->next_free;
    pmem.num_free--;
    page->next_free = NULL;
    page->refcount = 1;
    *paddr = page_paddr(page);
    spinlock_release(&pmem.lock);
    return ERR_OK;
}

void pmem_free(paddr_t paddr)
{
    spinlock_acquire(&pmem.lock);
    struct page *page = managed_page(paddr, "pmem_free");
    if (page->refcount == 0) {
        panic("pmem_free: page 0x%lx is not allocated (freed twice?)", page_paddr(page));
    }
    if (page->refcount > 1) {
        panic("pmem_free: page 0x%lx is shared (refcount %d); use pmem_dec_refcnt",
              page_paddr(page), page->refcount);
    }
    page->refcount = 0;
    push_free(page);
    spinlock_release(&pmem.lock);
}

void pmem_inc_refcnt(paddr_t paddr)
{
    spinlock_acquire(&pmem.lock);
    struct page *page = managed_page(paddr, "pmem_inc_refcnt");
    if (page->refcount == 0) {
        panic("pmem_inc_refcnt: page 0x%lx is free", page_paddr(page));
    }
    // Each reference is a mapping or an owner; two billion of them is a
    // leak, not a workload.
    kassert(page->refcount < INT_MAX);
    page->refcount++;
    spinlock_release(&pmem.lock);
}

void pmem_dec_refcnt(paddr_t paddr)
{
    spinlock_acquire(&pmem.lock);
    struct page *page = managed_page(paddr, "pmem_dec_refcnt");
    if (page->refcount == 0) {
        panic("pmem_dec_refcnt: page 0x%lx is free; its refcount would drop below zero",
              page_paddr(page));
    }
    page->refcount--;
    if (page->refcount == 0) {
        push_free(page);
    }
    spinlock_release(&pmem.lock);
}

struct page *paddr_to_page(paddr_t paddr)
{
    // Pure arithmetic on what pmem_init fixed: no lock (the COW fault path
    // calls this for every copy-on-write fault).
    return managed_page(paddr, "paddr_to_page");
}

paddr_t page_to_paddr(const struct page *page)
{
    uintptr_t p = (uintptr_t)page;
    uintptr_t first = (uintptr_t)pmem.pages;
    if (p < first || p >= first + pmem.num_pages * sizeof(struct page) ||
        (p - first) % sizeof(struct page) != 0) {
        panic("page_to_paddr: %p is not one of pmem's struct pages", (const void *)page);
    }
    return page_paddr(page);
}

size_t pmem_total_pages(void)
{
    return pmem.total;
}

size_t pmem_free_pages(void)
{
    spinlock_acquire(&pmem.lock);
    size_t free = pmem.num_free;
    spinlock_release(&pmem.lock);
    return free;
}

enum pmem_page_state pmem_page_state(paddr_t paddr)
{
    spinlock_acquire(&pmem.lock);
    enum pmem_page_state state = PMEM_PAGE_UNMANAGED;
    size_t index = (paddr - pmem.base) / PAGE_SIZE;
    if (paddr >= pmem.base && index < pmem.num_pages) {
        int refcount = pmem.pages[index].refcount;
        if (refcount == 0) {
            state = PMEM_PAGE_FREE;
        } else if (refcount > 0) {
            state = PMEM_PAGE_ALLOCATED;
        }
    }
    spinlock_release(&pmem.lock);
    return state;
}

size_t pmem_page_index(paddr_t paddr)
{
    return (size_t)(paddr_to_page(paddr) - pmem.pages);
}

size_t pmem_page_index_limit(void)
{
    return pmem.num_pages;
}

// True when p points at one of the struct pages of managed pages.
static bool is_managed_struct_page(const struct page *p)
{
    uintptr_t at = (uintptr_t)p;
    uintptr_t first = (uintptr_t)pmem.pages;
    return at >= first && at < first + pmem.num_pages * sizeof(struct page) &&
           (at - first) % sizeof(struct page) == 0 && p->refcount != PAGE_UNMANAGED;
}

void pmem_take_census(struct pmem_census *census)
{
    *census = (struct pmem_census){0};
    spinlock_acquire(&pmem.lock);
    census->total = pmem.total;
    census->free = pmem.num_free;
    // At most one more step than there are pages: a longer list has a cycle.
    for (const struct page *p = pmem.free_list; p != NULL; p = p->next_free) {
        if (census->listed > pmem.total) {
            census->listed_bad++;  // a cycle
            break;
        }
        if (!is_managed_struct_page(p)) {
            census->listed_bad++;  // a link to anything but a struct page: stop there
            break;
        }
        if (p->refcount != 0) {
            census->listed_bad++;
        }
        census->listed++;
    }
    for (size_t i = 0; i < pmem.num_pages; i++) {
        if (pmem.pages[i].refcount == 0) {
            census->zero_refcount++;
        } else if (pmem.pages[i].refcount > 0) {
            census->allocated++;
        }
    }
    spinlock_release(&pmem.lock);
}
