// malloc, free, calloc and realloc: the allocator core (heap.c) on sbrk.
// The policy is documented in <stdlib.h>.

#include <stdlib.h>

#include <stdio.h>
#include <unistd.h>

#include "userland/lib/heap.h"

static void *sbrk_morecore(void *ctx, intptr_t increment)
{
    (void)ctx;
    void *old = sbrk(increment);
    return old == (void *)-1 ? HEAP_MORECORE_FAILED : old;
}

static struct heap heap = HEAP_INITIALIZER(sbrk_morecore, NULL);

// A pointer that is not a live block means the program has already broken
// its memory; going on would only move the damage elsewhere.
static _Noreturn void bad_pointer(const char *who, void *ptr)
{
    fprintf(stderr, "%s: %p is not an allocated block\n", who, ptr);
    abort();
}

void *malloc(size_t n)
{
    return heap_alloc(&heap, n);
}

void free(void *ptr)
{
    if (!heap_free(&heap, ptr)) {
        bad_pointer("free", ptr);
    }
}

void *calloc(size_t count, size_t size)
{
    return heap_calloc(&heap, count, size);
}

void *realloc(void *ptr, size_t n)
{
    if (ptr != NULL && !heap_is_allocated(&heap, ptr)) {
        bad_pointer("realloc", ptr);
    }
    return heap_realloc(&heap, ptr, n);
}
