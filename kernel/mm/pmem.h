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
// Locking: callers need no lock, and may call from any context. Allocation
// and free take pmem's spinlock (which keeps interrupts off while held);
// reference counts change atomically without it, and only the drop that
// frees a page takes it.
//
// This header is what the rest of the kernel uses. Setting pmem up from the
// boot memory map is kernel/mm/pmem_boot.h; the checkers' view of its books
// (kernel/mm/vm_check.h) is kernel/mm/pmem_census.h.

#include <stddef.h>

#include "kernel/addr.h"
#include "kernel/err.h"

#ifdef __cplusplus
extern "C" {
#endif

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

// The reference count of the page containing paddr: 0 when it is free.
// One atomic read, so only a snapshot: it stays true only while
// nobody else can change it (the copy-on-write fault's last-sharer test
// holds a reference of its own, and only a fork of its own address space
// could add one). Panics if pmem does not manage paddr.
int pmem_refcount(paddr_t paddr);

// Pages pmem manages (free + allocated), and pages free right now.
size_t pmem_total_pages(void);
size_t pmem_free_pages(void);

#ifdef __cplusplus
}
#endif
