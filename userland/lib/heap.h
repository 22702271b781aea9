#pragma once

// heap: the allocator behind malloc, written against a `morecore` function
// (sbrk in user programs, a fake in host tests) instead of a system call, so
// the same code runs in both.
//
// Layout. The heap is one or more segments of memory obtained from
// morecore. Normally there is one, grown and shrunk at its top; a new
// segment starts only when the break is not where the heap left it (a
// program moved it with sbrk behind malloc's back). A segment is
//
//     [segment header][block][block]...[block][epilogue]   (break)
//
// and its blocks tile it exactly. Every block starts with a 16-byte header:
// its size (header included, a multiple of HEAP_ALIGN; the low bit says "in
// use") and the size of the block just below it (0 for a segment's first
// block), so a block finds both neighbours in O(1). The epilogue is a
// header of size 0 marked in use, which stops merging at the top. A user's
// pointer is the address just after a header, hence 16-byte aligned.
//
// Free blocks keep two free-list links in their first bytes; the list is
// doubly linked, newest first, searched first-fit.
//
// Invariants (heap_check verifies them): blocks tile each segment; sizes
// and prev_size agree; no two free blocks are adjacent (free coalesces at
// once); every free block, and no other, is on the free list.
//
// Policy: see <stdlib.h> (the user-facing summary) and the constants below.
//
// Not thread-safe (osv processes have one thread).

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HEAP_ALIGN          16                 // every block and every pointer handed out
#define HEAP_PAGE_SIZE      4096               // osv's page: growth and trimming are in pages
#define HEAP_MIN_BLOCK      32                 // header + two free-list links
#define HEAP_MAX_ALLOC      ((size_t)1 << 46)  // more than osv's whole user space
#define HEAP_GROW_MIN       (4 * HEAP_PAGE_SIZE)
#define HEAP_TRIM_THRESHOLD (8 * HEAP_PAGE_SIZE)

// Moves the break like sbrk: returns the old break, or HEAP_MORECORE_FAILED
// and changes nothing. morecore(ctx, 0) reports the break.
typedef void *(*heap_morecore_fn)(void *ctx, intptr_t increment);
#define HEAP_MORECORE_FAILED ((void *)-1)

struct heap_block;
struct heap_segment;

struct heap {
    heap_morecore_fn morecore;
    void *morecore_ctx;
    struct heap_block *free_list;
    struct heap_segment *segments;  // newest (the one at the break) first
    uintptr_t brk;                  // the break after our last morecore
};

// A heap with no memory yet, for static initialization.
// clang-format 14 and 19 disagree on brace initializers in macros: hands off.
// clang-format off
#define HEAP_INITIALIZER(morecore_fn, ctx) {(morecore_fn), (ctx), NULL, NULL, 0}
// clang-format on

// Sets up *heap, empty, on morecore.
void heap_init(struct heap *heap, heap_morecore_fn morecore, void *ctx);

// At least n bytes, HEAP_ALIGN-aligned; NULL if n > HEAP_MAX_ALLOC or
// morecore fails. n == 0 gives a minimal block.
void *heap_alloc(struct heap *heap, size_t n);

// count * size zeroed bytes; NULL on overflow or failure.
void *heap_calloc(struct heap *heap, size_t count, size_t size);

// True when ptr looks like a live block of this heap: aligned, inside a
// segment, marked in use, consistent with its neighbour. (A pointer into
// foreign memory between two segments may fool it; nothing else cheap can.)
bool heap_is_allocated(const struct heap *heap, const void *ptr);

// Frees the block at ptr (NULL: nothing), merging it with free neighbours,
// and gives whole pages back to morecore when the free top of the newest
// segment reaches HEAP_TRIM_THRESHOLD. Returns false, doing nothing, when
// ptr is not a live block (heap_is_allocated).
bool heap_free(struct heap *heap, void *ptr);

// Resizes as C's realloc (see <stdlib.h>). NULL, with the block unchanged,
// on failure or when ptr is not a live block.
void *heap_realloc(struct heap *heap, void *ptr, size_t n);

struct heap_stats {
    size_t segments;
    size_t used_blocks, used_bytes;  // headers included
    size_t free_blocks, free_bytes;
};

// Walks every segment and the free list, checking the invariants above.
// Fills *stats (if not NULL) and returns true when they all hold.
bool heap_check(const struct heap *heap, struct heap_stats *stats);

#ifdef __cplusplus
}
#endif
