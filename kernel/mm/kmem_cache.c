#include "kernel/mm/kmem_cache.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/addr.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"

// Marks a page as a slab. Cleared before the page goes back to pmem, so a
// stale pointer into a page that is no longer a slab is caught.
#define SLAB_MAGIC 0x51ab51ab51ab51abull

// Most objects a slab can hold: the smallest stride, KMEM_CACHE_ALIGN, into
// what the header leaves of the page (251), rounded up to whole bitmap words.
#define SLAB_MAX_OBJECTS 256
#define BITS_PER_WORD    64

// The header at the start of every slab page. Its cache's lock protects it.
//
// Free objects are linked through their own first word, so the header stays
// small whatever the object count. The bitmap is not needed to allocate; it
// makes a double free and a corrupted free list detectable in O(1), which a
// list alone cannot do without a walk.
struct slab {
    uint64_t magic;            // SLAB_MAGIC
    struct kmem_cache *cache;  // the cache this slab belongs to
    struct slab *prev;         // links in cache->partial, while not full
    struct slab *next;
    void *free;          // freed objects, handed out again first
    uint16_t carved;     // objects [carved, objects_per_slab) never handed out yet
    uint16_t allocated;  // objects handed out and not freed
    uint64_t in_use[SLAB_MAX_OBJECTS / BITS_PER_WORD];  // bit i: object i is allocated
};

_Static_assert(sizeof(struct slab) <= KMEM_SLAB_HEADER_SIZE, "KMEM_SLAB_HEADER_SIZE is too small");
_Static_assert(KMEM_SLAB_HEADER_SIZE % KMEM_CACHE_ALIGN == 0, "objects would be misaligned");
_Static_assert((PAGE_SIZE - KMEM_SLAB_HEADER_SIZE) / KMEM_CACHE_ALIGN <= SLAB_MAX_OBJECTS,
               "the bitmap cannot cover the smallest objects");

err_t kmem_cache_init(struct kmem_cache *cache, const char *name, size_t object_size)
{
    if (object_size == 0 || object_size > KMEM_CACHE_MAX_OBJECT_SIZE) {
        return ERR_INVAL;
    }
    cache->name = name;
    cache->object_size = object_size;
    cache->stride = (object_size + KMEM_CACHE_ALIGN - 1) / KMEM_CACHE_ALIGN * KMEM_CACHE_ALIGN;
    cache->objects_per_slab = (PAGE_SIZE - KMEM_SLAB_HEADER_SIZE) / cache->stride;
    spinlock_init(&cache->lock, name);
    cache->partial = NULL;
    cache->slabs = 0;
    cache->allocated = 0;
    return ERR_OK;
}

static char *object_at(const struct kmem_cache *cache, struct slab *slab, size_t index)
{
    return (char *)slab + KMEM_SLAB_HEADER_SIZE + index * cache->stride;
}

// The index of `object` in `slab`, if it is exactly the start of one.
static bool object_index(const struct kmem_cache *cache, const struct slab *slab,
                         const void *object, size_t *index)
{
    uintptr_t first = (uintptr_t)slab + KMEM_SLAB_HEADER_SIZE;
    uintptr_t p = (uintptr_t)object;
    if (p < first || (p - first) % cache->stride != 0) {
        return false;
    }
    *index = (p - first) / cache->stride;
    return *index < cache->objects_per_slab;
}

static bool is_in_use(const struct slab *slab, size_t index)
{
    return (slab->in_use[index / BITS_PER_WORD] >> (index % BITS_PER_WORD)) & 1;
}

static void set_in_use(struct slab *slab, size_t index, bool in_use)
{
    uint64_t bit = 1ull << (index % BITS_PER_WORD);
    if (in_use) {
        slab->in_use[index / BITS_PER_WORD] |= bit;
    } else {
        slab->in_use[index / BITS_PER_WORD] &= ~bit;
    }
}

static bool slab_full(const struct kmem_cache *cache, const struct slab *slab)
{
    return slab->free == NULL && slab->carved == cache->objects_per_slab;
}

static void partial_push(struct kmem_cache *cache, struct slab *slab)
{
    slab->prev = NULL;
    slab->next = cache->partial;
    if (cache->partial != NULL) {
        cache->partial->prev = slab;
    }
    cache->partial = slab;
}

static void partial_remove(struct kmem_cache *cache, struct slab *slab)
{
    if (slab->prev != NULL) {
        slab->prev->next = slab->next;
    } else {
        cache->partial = slab->next;
    }
    if (slab->next != NULL) {
        slab->next->prev = slab->prev;
    }
    slab->prev = slab->next = NULL;
}

// The slab header of the page holding `object`, or NULL if that page is not
// a slab. Goes through kmap_v2p/kmap_p2v rather than masking the pointer:
// portable code does not assume how the direct map is laid out.
static struct slab *slab_of(const void *object)
{
    struct slab *slab = kmap_p2v(pg_round_down(kmap_v2p(object)));
    return slab->magic == SLAB_MAGIC ? slab : NULL;
}

struct kmem_cache *kmem_cache_of(const void *object)
{
    struct slab *slab = slab_of(object);
    if (slab == NULL) {
        panic("kmem_cache_of: %p is not in a slab", object);
    }
    return slab->cache;
}

// Takes a page from pmem and makes it an empty slab on cache->partial.
// Carving is lazy (slab->carved), so this touches only the header.
static err_t grow(struct kmem_cache *cache)
{
    paddr_t paddr;
    err_t err = pmem_alloc(&paddr);
    if (err != ERR_OK) {
        return err;
    }
    struct slab *slab = kmap_p2v(paddr);
    *slab = (struct slab){.magic = SLAB_MAGIC, .cache = cache};
    partial_push(cache, slab);
    cache->slabs++;
    return ERR_OK;
}

err_t kmem_cache_alloc(struct kmem_cache *cache, void **object)
{
    // A zeroed cache would hand out the same address again and again.
    if (cache->objects_per_slab == 0) {
        panic("kmem_cache_alloc: cache %s was never set up with kmem_cache_init",
              cache->name != NULL ? cache->name : "(unnamed)");
    }
    spinlock_acquire(&cache->lock);
    if (cache->partial == NULL) {
        err_t err = grow(cache);
        if (err != ERR_OK) {
            spinlock_release(&cache->lock);
            return err;
        }
    }
    struct slab *slab = cache->partial;
    size_t index;
    char *taken;
    if (slab->free != NULL) {
        taken = slab->free;
        // The link lives in freed memory: a write after free shows up here
        // as a link to a non-object or to an allocated object.
        if (!object_index(cache, slab, taken, &index) || is_in_use(slab, index)) {
            panic("kmem_cache %s: free list of slab %p is corrupt at %p (a write after free?)",
                  cache->name, (void *)slab, (void *)taken);
        }
        slab->free = *(void **)taken;
    } else {
        index = slab->carved++;
        taken = object_at(cache, slab, index);
    }
    set_in_use(slab, index, true);
    slab->allocated++;
    cache->allocated++;
    if (slab_full(cache, slab)) {
        partial_remove(cache, slab);
    }
    spinlock_release(&cache->lock);
    *object = taken;
    return ERR_OK;
}

void kmem_cache_free(struct kmem_cache *cache, void *object)
{
    spinlock_acquire(&cache->lock);
    struct slab *slab = slab_of(object);
    size_t index;
    if (slab == NULL) {
        panic("kmem_cache_free(%s): %p is not in a slab", cache->name, object);
    }
    if (slab->cache != cache) {
        panic("kmem_cache_free(%s): %p belongs to cache %s", cache->name, object,
              slab->cache->name);
    }
    if (!object_index(cache, slab, object, &index)) {
        panic("kmem_cache_free(%s): %p is not the start of an object", cache->name, object);
    }
    if (!is_in_use(slab, index)) {
        panic("kmem_cache_free(%s): %p is not allocated (freed twice?)", cache->name, object);
    }
    bool was_full = slab_full(cache, slab);
    set_in_use(slab, index, false);
    *(void **)object = slab->free;
    slab->free = object;
    slab->allocated--;
    cache->allocated--;

    if (slab->allocated == 0) {
        // The policy in kmem_cache.h: an empty slab goes back to pmem now.
        // It is on the partial list unless it was full, which a slab of one
        // object is whenever that object is allocated.
        if (!was_full) {
            partial_remove(cache, slab);
        }
        slab->magic = 0;
        cache->slabs--;
        pmem_free(kmap_v2p(slab));
    } else if (was_full) {
        partial_push(cache, slab);
    }
    spinlock_release(&cache->lock);
}

void kmem_cache_destroy(struct kmem_cache *cache)
{
    spinlock_acquire(&cache->lock);
    if (cache->allocated != 0) {
        panic("kmem_cache_destroy(%s): %lu objects are still allocated", cache->name,
              cache->allocated);
    }
    kassert(cache->slabs == 0 && cache->partial == NULL);
    spinlock_release(&cache->lock);
}
