// pmem's set-up from the boot memory map (see kernel/mm/pmem_boot.h).

#include "kernel/mm/pmem_boot.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/lib/string.h"
#include "kernel/mm/pmem_internal.h"
#include "kernel/panic.h"
#include "kernel/sync/spinlock.h"

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
