#pragma once

// kmalloc: the kernel's general-purpose heap.
//
// kmalloc(size, &ptr) hands out a block of at least `size` bytes:
//  - sizes up to KMALLOC_MAX_SMALL come from one of seven kmem_caches of
//    16, 32, 64, ..., 1024 bytes: the request rounded up to a power of two,
//    so at most half of a block is wasted and seven caches cover every size;
//  - larger sizes, up to KMALLOC_MAX_SIZE (one page), get a whole pmem page.
//    A 2048-byte class would fit one object per slab page (the slab header
//    takes 80 bytes), so it would cost a page per block anyway.
//
// The limit: nothing bigger than a page. pmem hands out single pages, not
// contiguous runs, so a larger request is ERR_INVAL, not an out-of-memory
// condition that waiting could cure. Code that needs more memory builds it
// from pages (as page tables do) or from linked blocks.
//
// Blocks are 16-byte aligned (as for malloc, enough for any C type); blocks
// over KMALLOC_MAX_SMALL bytes are page-aligned. Their contents are
// unspecified: kmalloc does not zero.
//
// Errors come back as err_t, as everywhere in the kernel: kmalloc never
// returns a NULL block.
//
// kfree(NULL) does nothing. Freeing anything else that is not a live block
// from kmalloc is a bug, and panics with the address when it can be
// detected: a block freed twice, an address inside a block, an object of a
// kmem_cache that is not kmalloc's, an address in no slab and no pmem page.
// Not detectable: kfree of a page-aligned address of a pmem page allocated
// by something other than kmalloc frees that page.
//
// Locking: kmalloc has no lock of its own; each size class is a kmem_cache
// with its own spinlock, and whole pages come from pmem, which locks itself.
// Both may be called from any context.

#include <stddef.h>

#include "arch/page.h"
#include "kernel/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KMALLOC_MIN_SIZE  16         // the smallest block
#define KMALLOC_MAX_SMALL 1024       // the largest block from a kmem_cache
#define KMALLOC_MAX_SIZE  PAGE_SIZE  // the largest block at all

// Sets up the size classes, with no memory allocated. Call once, after
// pmem_init. Calling it again forgets every block allocated before, without
// freeing them (host tests do this with each new arena).
void kmalloc_init(void);

// Allocates a block of at least `size` bytes and stores its address in *ptr.
// Returns ERR_OK; ERR_INVAL if size is 0 or over KMALLOC_MAX_SIZE; ERR_NOMEM
// if pmem has no page for it. On error *ptr is untouched and nothing leaks.
err_t kmalloc(size_t size, void **ptr) MUST_CHECK;

// Frees a block kmalloc handed out; does nothing when ptr is NULL. Panics on
// misuse (see above).
void kfree(void *ptr);

// Pages the heap holds from pmem right now: slab pages of the size classes
// plus whole-page blocks. For leak checks that account for every allocated
// page (the vm fuzzer's).
size_t kmalloc_pages_held(void);

#ifdef __cplusplus
}
#endif
