#pragma once

// pmem's state, shared by the files that make up pmem: the allocator and
// reference counts (pmem.c), the set-up from the boot memory map
// (pmem_boot.c) and the checkers' view (pmem_census.c). Nothing outside
// kernel/mm/pmem*.c includes this but white-box tests.

#include <stddef.h>

#include "kernel/addr.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_boot.h"
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

// One per physical page pmem manages. Outside pmem, pmem_refcount reads the
// count.
struct page {
    // 0 while free; >= 1 while allocated. Changed only with atomic
    // operations (pmem.c says why); pmem.lock is held when it goes from 0 to
    // 1 (allocation) or is set to 0 by pmem_free.
    int refcount;
    struct page *next_free;  // free-list link, under pmem.lock; meaningful only while free
};

struct pmem_state {
    // Set by pmem_init and constant afterwards: read without the lock.
    struct page *pages;  // pages[i] describes physical page base + i * PAGE_SIZE
    paddr_t base;        // first page of the span
    size_t num_pages;    // entries in pages[]
    size_t total;        // managed pages: those with refcount >= 0
    struct pmem_init_counts init_counts;

    // lock protects free_list, num_free, and every managed struct page's
    // next_free.
    struct spinlock lock;
    struct page *free_list;  // LIFO, linked through next_free
    size_t num_free;
};

extern struct pmem_state pmem;

// The struct page of a managed page, or a panic naming `who`. Caller holds
// pmem.lock, or reads only what pmem_init fixed.
struct page *pmem_managed_page(paddr_t paddr, const char *who);

// Physical address of the page `page` describes.
paddr_t pmem_page_paddr(const struct page *page);

// The struct page of the page containing paddr, for white-box tests that
// look at (or corrupt on purpose) pmem's books. Panics if pmem does not
// manage that address.
struct page *paddr_to_page(paddr_t paddr);
