#pragma once

// kmem_cache: caches of fixed-size kernel objects, on top of pmem.
//
// A cache hands out objects of one size. It takes memory from pmem one page
// at a time; each such page is a slab: a small header at the start of the
// page, then as many objects as fit. Freed objects go on their slab's free
// list and are handed out again before the slab carves new ones.
//
//   page: [ slab header | object 0 | object 1 | ... | object n-1 | unused ]
//          KMEM_SLAB_HEADER_SIZE   each `stride` bytes
//
// Policy: a slab whose last object is freed goes back to pmem at once. Memory
// the heap no longer uses is then free for anyone (user pages, page tables),
// and a leak check can compare pmem_free_pages() with a baseline. The cost is
// a pmem_alloc/pmem_free pair when one object is allocated and freed at a
// slab boundary over and over; both are O(1), and a slab carves objects only
// as they are first needed, so that pair is cheap.
//
// Objects are KMEM_CACHE_ALIGN-aligned (enough for any C type, as malloc's
// are) and never start at a page boundary, which is how kmalloc tells them
// from whole pages. Their contents are unspecified when handed out.
//
// Misuse is a kernel bug and panics with the object's address: freeing an
// object twice, freeing something that is not an object of this cache,
// destroying a cache with objects still allocated. A write to a freed object
// that makes a free-list link point at anything but a free object of its
// slab is caught when that link is next followed.
//
// Locking: each cache has its own spinlock, taken inside these functions; it
// is held while pmem_alloc/pmem_free run (lock order: cache, then pmem).

#include <stddef.h>

#include "arch/page.h"
#include "kernel/err.h"
#include "kernel/sync/spinlock.h"

#ifdef __cplusplus
extern "C" {
#endif

// Alignment of every object, and the granule its size is rounded up to.
#define KMEM_CACHE_ALIGN 16

// Bytes at the start of each slab page taken by its header (struct slab,
// private to kmem_cache.c, rounded up to KMEM_CACHE_ALIGN).
#define KMEM_SLAB_HEADER_SIZE 80

// Largest object a cache can hold: one object fills the rest of the page.
#define KMEM_CACHE_MAX_OBJECT_SIZE (PAGE_SIZE - KMEM_SLAB_HEADER_SIZE)

struct slab;

// A cache. The caller provides the storage (a static or a field) and calls
// kmem_cache_init; the cache itself never allocates memory for its own
// bookkeeping, so the kernel heap can be built from caches.
struct kmem_cache {
    // Set by kmem_cache_init, constant afterwards.
    const char *name;         // for panic messages
    size_t object_size;       // as asked for
    size_t stride;            // object_size rounded up to KMEM_CACHE_ALIGN
    size_t objects_per_slab;  // how many fit after the header

    // lock protects the fields below and every slab of this cache.
    struct spinlock lock;
    struct slab *partial;  // slabs with a free or uncarved object: allocate here
    size_t slabs;          // slab pages held (partial and full)
    size_t allocated;      // objects handed out and not freed
};

// Makes `cache` an empty cache of objects of `object_size` bytes. `name`
// must outlive the cache.
// Returns ERR_OK, or ERR_INVAL if object_size is 0 or more than
// KMEM_CACHE_MAX_OBJECT_SIZE (it would not fit in a slab page).
err_t kmem_cache_init(struct kmem_cache *cache, const char *name, size_t object_size) MUST_CHECK;

// Allocates an object and stores its address in *object. Takes a page from
// pmem when every slab is full.
// Returns ERR_OK, or ERR_NOMEM when that page is not available (*object
// untouched, nothing leaked).
err_t kmem_cache_alloc(struct kmem_cache *cache, void **object) MUST_CHECK;

// Frees an object `cache` handed out. Returns its slab to pmem if it was the
// slab's last allocated object.
// Panics if `object` is not an allocated object of `cache`: freed already,
// not at the start of an object, from another cache, or not in a slab.
void kmem_cache_free(struct kmem_cache *cache, void *object);

// Ends the cache. It holds no pages by then (empty slabs are already back in
// pmem), so this only checks. Panics if any object is still allocated.
void kmem_cache_destroy(struct kmem_cache *cache);

// The cache that handed out `object`, an allocated object of some cache
// (kmalloc uses this to find the cache to free to). Panics if `object` does
// not lie in a slab. Takes no lock: a slab's cache cannot change while one of
// its objects is allocated, and kmem_cache_free checks everything again
// under the cache's lock.
struct kmem_cache *kmem_cache_of(const void *object);

#ifdef __cplusplus
}
#endif
