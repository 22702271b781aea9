#pragma once

// pmem's books as invariant checkers (kernel/mm/vm_check.h) and leak checks
// see them: the state of any page, a dense index of pages, and a recount of
// everything.

#include <stddef.h>

#include "kernel/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

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
