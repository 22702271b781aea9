#include "kernel/mm/kmalloc.h"

#include <stdint.h>

#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/addr.h"
#include "kernel/mm/kmem_cache.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"
#include "kernel/sync/spinlock.h"

#define NUM_CLASSES 7  // KMALLOC_MIN_SIZE << i for i < NUM_CLASSES

_Static_assert((KMALLOC_MIN_SIZE << (NUM_CLASSES - 1)) == KMALLOC_MAX_SMALL,
               "the classes must end at KMALLOC_MAX_SMALL");
_Static_assert(KMALLOC_MAX_SMALL <= KMEM_CACHE_MAX_OBJECT_SIZE, "a class would not fit a slab");
_Static_assert(KMALLOC_MIN_SIZE % KMEM_CACHE_ALIGN == 0, "blocks would not be 16-byte aligned");

// Set up by kmalloc_init; each cache locks itself.
static struct kmem_cache classes[NUM_CLASSES];

// Whole-page blocks handed out and not freed. kmalloc has no lock: changed
// with atomic operations.
static size_t whole_pages;

static const char *const class_names[NUM_CLASSES] = {
    "kmalloc-16",  "kmalloc-32",  "kmalloc-64",   "kmalloc-128",
    "kmalloc-256", "kmalloc-512", "kmalloc-1024",
};

void kmalloc_init(void)
{
    for (int i = 0; i < NUM_CLASSES; i++) {
        err_t err = kmem_cache_init(&classes[i], class_names[i], (size_t)KMALLOC_MIN_SIZE << i);
        kassert(err == ERR_OK);
    }
    __atomic_store_n(&whole_pages, 0, __ATOMIC_RELAXED);
}

// The smallest class whose blocks hold `size` bytes (size <= KMALLOC_MAX_SMALL).
static struct kmem_cache *class_for(size_t size)
{
    int i = 0;
    while (((size_t)KMALLOC_MIN_SIZE << i) < size) {
        i++;
    }
    return &classes[i];
}

static int is_kmalloc_class(const struct kmem_cache *cache)
{
    uintptr_t p = (uintptr_t)cache;
    return p >= (uintptr_t)&classes[0] && p < (uintptr_t)&classes[NUM_CLASSES];
}

err_t kmalloc(size_t size, void **ptr)
{
    if (size == 0 || size > KMALLOC_MAX_SIZE) {
        return ERR_INVAL;
    }
    if (size <= KMALLOC_MAX_SMALL) {
        return kmem_cache_alloc(class_for(size), ptr);
    }
    paddr_t paddr;
    err_t err = pmem_alloc(&paddr);
    if (err != ERR_OK) {
        return err;
    }
    __atomic_add_fetch(&whole_pages, 1, __ATOMIC_RELAXED);
    *ptr = kmap_p2v(paddr);
    return ERR_OK;
}

void kfree(void *ptr)
{
    if (ptr == NULL) {
        return;
    }
    // Slab objects never start on a page boundary (kmem_cache.h) and big
    // blocks always do: the address alone says where a block came from.
    paddr_t paddr = kmap_v2p(ptr);
    if (pg_aligned(paddr)) {
        pmem_free(paddr);  // panics if the page is not allocated
        __atomic_sub_fetch(&whole_pages, 1, __ATOMIC_RELAXED);
        return;
    }
    struct kmem_cache *cache = kmem_cache_of(ptr);  // panics if not in a slab
    if (!is_kmalloc_class(cache)) {
        panic("kfree: %p is an object of kmem_cache %s, not a kmalloc block", ptr, cache->name);
    }
    kmem_cache_free(cache, ptr);  // panics if not an allocated object
}

size_t kmalloc_pages_held(void)
{
    size_t pages = __atomic_load_n(&whole_pages, __ATOMIC_RELAXED);
    for (int i = 0; i < NUM_CLASSES; i++) {
        spinlock_acquire(&classes[i].lock);
        pages += classes[i].slabs;
        spinlock_release(&classes[i].lock);
    }
    return pages;
}
