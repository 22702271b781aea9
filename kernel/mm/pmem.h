#pragma once

// pmem: the physical page allocator.
//
// pmem owns every usable page of physical memory: the boot loader's memory
// map minus the kernel image, the boot modules, its own page table (the
// `struct page` array) and anything reserved. Each physical page (frame) has
// one struct page holding a reference count, the number of owners of the
// page: for a user page, the number of page-table mappings of it (copy-on-
// write sharing raises it), for a kernel page 1.
//
// Allocation and free are O(1) (a free list). Running out of pages is not a
// bug: pmem_alloc returns ERR_NOMEM and the caller decides. Misuse is a bug
// and panics with the page's address: freeing a page that is not allocated,
// freeing a page others still share, dropping a reference count below zero,
// or naming an address pmem does not manage.
//
// Locking: every function takes pmem's spinlock internally; callers need no
// lock, and may call from any context.

#include <stddef.h>

#include "kernel/addr.h"
#include "kernel/boot_info.h"
#include "kernel/err.h"

#ifdef __cplusplus
extern "C" {
#endif

// One per physical page pmem manages. pmem's spinlock protects both fields;
// outside pmem, read refcount only while holding a reference to the page.
struct page {
    int refcount;            // 0 while free; >= 1 while allocated
    struct page *next_free;  // free-list link; meaningful only while free
};

// Takes over the usable memory described by `info` (see above). Reinitializes
// from scratch if called again (host tests do, once per test).
//
// A page is usable when it lies wholly inside a MEM_USABLE range of the map.
// Of those, pmem keeps for itself or leaves alone, never handing them out:
//  - physical page 0, so that physical address 0 never names a valid page;
//  - the pages of the kernel image [kernel_start, kernel_end);
//  - the pages of each boot module;
//  - the pages holding the command line and the module names, which
//    boot_info promises stay valid for the kernel's lifetime;
//  - usable pages that another range of the map says are not usable;
//  - the struct page array itself, carved from the lowest usable place
//    where it fits.
// Any page one of these touches is excluded whole. Every other usable page
// goes on the free list. pmem_get_init_counts reports the division.
//
// Pages come out of pmem_alloc in ascending address order at first, so the
// earliest allocations are low in memory.
//
// Panics if the map has no usable page, or if no usable stretch is large
// enough for the struct page array. kmap_p2v must work for every usable page.
void pmem_init(const struct boot_info *info);

// How pmem_init divided the usable pages. The figures add up exactly:
// usable == free + kernel_image + page_structs + modules + boot_data + reserved,
// each excluded page counted once, under the first of these that claims it:
// reserved (page 0), kernel_image, modules, boot_data, reserved (other map
// ranges), page_structs.
struct pmem_init_counts {
    size_t usable;               // distinct whole pages in MEM_USABLE ranges
    size_t free;                 // put on the free list by pmem_init
    size_t kernel_image;         // [kernel_start, kernel_end)
    size_t page_structs;         // the struct page array
    size_t modules;              // boot modules
    size_t boot_data;            // the command line and module name strings
    size_t reserved;             // page 0, and usable pages another range marks unusable
    paddr_t page_structs_paddr;  // where the struct page array starts
};

// Copies the figures of the last pmem_init into *counts. They describe the
// moment of pmem_init; pmem_free_pages() is the current free count.
void pmem_get_init_counts(struct pmem_init_counts *counts);

// Allocates one page with reference count 1 and stores its physical address
// in *paddr. The page's contents are unspecified: zero it (memset through
// kmap_p2v) before anyone else can read it.
// Returns ERR_OK, or ERR_NOMEM when no page is free (*paddr untouched).
err_t pmem_alloc(paddr_t *paddr) MUST_CHECK;

// Frees an allocated page whose reference count is 1. Like every function
// here that takes a paddr_t, any address inside the page names the page.
// Panics if the page is free, shared (count > 1), or not pmem's.
void pmem_free(paddr_t paddr);

// Adds one reference to an allocated page. Panics if the page is free.
void pmem_inc_refcnt(paddr_t paddr);

// Drops one reference; frees the page when the count reaches 0.
// Panics if the page is already free.
void pmem_dec_refcnt(paddr_t paddr);

// The struct page of the page containing paddr. Panics if pmem does not
// manage that address.
struct page *paddr_to_page(paddr_t paddr);

// Physical address of the first byte of the page described by `page`.
// Panics if `page` does not point to one of pmem's struct pages.
paddr_t page_to_paddr(const struct page *page);

// Pages pmem manages (free + allocated), and pages free right now.
size_t pmem_total_pages(void);
size_t pmem_free_pages(void);

// --- For invariant checkers (kernel/mm/vm_check.h) and leak checks ---------

// What pmem knows about a physical page.
enum pmem_page_state {
    PMEM_PAGE_UNMANAGED,  // not one of pmem's pages: a hole, the kernel image, reserved, ...
    PMEM_PAGE_FREE,       // free (refcount 0): pmem may hand it out next
    PMEM_PAGE_ALLOCATED,  // handed out (refcount >= 1)
};

// The state of the page containing paddr. Unlike paddr_to_page, never panics:
// any address may be asked about.
enum pmem_page_state pmem_page_state(paddr_t paddr);

// A small number per managed page, for tables indexed by page: distinct
// pages get distinct numbers, each below pmem_page_index_limit(). Panics if
// pmem does not manage paddr.
size_t pmem_page_index(paddr_t paddr);
size_t pmem_page_index_limit(void);

// pmem's own books, recounted from scratch under its lock. In a consistent
// pmem: listed == free == zero_refcount, listed_bad == 0, and
// zero_refcount + allocated == total.
struct pmem_census {
    size_t total;          // pmem_total_pages()
    size_t free;           // pmem_free_pages(): pmem's running count
    size_t listed;         // pages found by walking the free list
    size_t listed_bad;     // free-list entries that are not free pages (a refcount, not a
                           // struct page, or the walk found a cycle)
    size_t zero_refcount;  // managed pages with refcount 0
    size_t allocated;      // managed pages with refcount >= 1
};

// Takes the census (O(pages): a walk of the free list and the page array).
void pmem_take_census(struct pmem_census *census);

#ifdef __cplusplus
}
#endif
