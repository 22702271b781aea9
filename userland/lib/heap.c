#include "userland/lib/heap.h"

#include "kernel/lib/string.h"

// Addresses are handled as uintptr_t wherever arithmetic is done on them,
// and turned into struct pointers only to read or write a header.

#define IN_USE ((size_t)1)
#define HDR    sizeof(struct heap_block_header)

struct heap_block_header {
    size_t size;       // whole block, header included; | IN_USE
    size_t prev_size;  // the block just below; 0 for a segment's first block
};

struct heap_block {
    struct heap_block_header h;
    // Only while the block is free:
    struct heap_block *next_free;
    struct heap_block *prev_free;
};

struct heap_segment {
    struct heap_segment *next;    // the next older segment
    struct heap_block *epilogue;  // the size-0 header that ends it
};

_Static_assert(HDR == HEAP_ALIGN, "a header keeps payloads aligned");
_Static_assert(sizeof(struct heap_block) == HEAP_MIN_BLOCK, "a free block fits the minimum");
_Static_assert(sizeof(struct heap_segment) == HEAP_ALIGN, "a segment header keeps blocks aligned");

static uintptr_t align_up(uintptr_t x, uintptr_t a)
{
    return (x + a - 1) & ~(a - 1);
}

static uintptr_t align_down(uintptr_t x, uintptr_t a)
{
    return x & ~(a - 1);
}

static struct heap_block *block_at(uintptr_t addr)
{
    return (struct heap_block *)addr;
}

static size_t block_size(const struct heap_block *b)
{
    return b->h.size & ~IN_USE;
}

static bool block_in_use(const struct heap_block *b)
{
    return (b->h.size & IN_USE) != 0;
}

static struct heap_block *next_block(const struct heap_block *b)
{
    return block_at((uintptr_t)b + block_size(b));
}

static struct heap_block *prev_block(const struct heap_block *b)
{
    return b->h.prev_size == 0 ? NULL : block_at((uintptr_t)b - b->h.prev_size);
}

static uintptr_t first_block_addr(const struct heap_segment *seg)
{
    return (uintptr_t)seg + sizeof(*seg);
}

// Sets b's size and state and tells the block above its new size. The block
// above (possibly the epilogue) must already have its own size written.
static void set_block(struct heap_block *b, size_t size, bool in_use)
{
    b->h.size = size | (in_use ? IN_USE : 0);
    next_block(b)->h.prev_size = size;
}

static void write_epilogue(struct heap_segment *seg, uintptr_t at)
{
    struct heap_block *epi = block_at(at);
    epi->h.size = 0 | IN_USE;
    seg->epilogue = epi;
}

static void list_push(struct heap *heap, struct heap_block *b)
{
    b->prev_free = NULL;
    b->next_free = heap->free_list;
    if (heap->free_list != NULL) {
        heap->free_list->prev_free = b;
    }
    heap->free_list = b;
}

static void list_remove(struct heap *heap, struct heap_block *b)
{
    if (b->prev_free != NULL) {
        b->prev_free->next_free = b->next_free;
    } else {
        heap->free_list = b->next_free;
    }
    if (b->next_free != NULL) {
        b->next_free->prev_free = b->prev_free;
    }
}

// The block size that serves a request of n bytes (n <= HEAP_MAX_ALLOC, so
// nothing here can wrap).
static size_t block_size_for(size_t n)
{
    size_t size = align_up(n + HDR, HEAP_ALIGN);
    return size < HEAP_MIN_BLOCK ? HEAP_MIN_BLOCK : size;
}

// The newest segment's top block, just under its epilogue.
static struct heap_block *top_block(const struct heap *heap)
{
    return prev_block(heap->segments->epilogue);
}

// Gives whole pages at the top of the newest segment back to morecore, when
// its free top block holds HEAP_TRIM_THRESHOLD bytes of them, keeping a
// minimal free block there. Not when the break has moved since we last set
// it: then the pages above our epilogue are not ours to give.
static void trim(struct heap *heap)
{
    struct heap_block *top = top_block(heap);
    if (top == NULL || block_in_use(top)) {
        return;
    }
    uintptr_t keep_end = (uintptr_t)top + HEAP_MIN_BLOCK + HDR;  // block + epilogue
    size_t release = align_down(heap->brk - keep_end, HEAP_PAGE_SIZE);
    if (release < HEAP_TRIM_THRESHOLD ||
        heap->morecore(heap->morecore_ctx, 0) != (void *)heap->brk) {
        return;
    }
    if (heap->morecore(heap->morecore_ctx, -(intptr_t)release) == HEAP_MORECORE_FAILED) {
        return;
    }
    heap->brk -= release;
    uintptr_t epi = align_down(heap->brk - HDR, HEAP_ALIGN);
    write_epilogue(heap->segments, epi);
    set_block(top, epi - (uintptr_t)top, false);
}

// Puts the free-to-be block b (marked free, not on the list) in the heap:
// merges it with free neighbours, lists it, trims the top.
static void insert_free(struct heap *heap, struct heap_block *b)
{
    struct heap_block *next = next_block(b);
    if (!block_in_use(next)) {
        list_remove(heap, next);
        set_block(b, block_size(b) + block_size(next), false);
    }
    struct heap_block *prev = prev_block(b);
    if (prev != NULL && !block_in_use(prev)) {
        list_remove(heap, prev);
        set_block(prev, block_size(prev) + block_size(b), false);
        b = prev;
    }
    list_push(heap, b);
    if (next_block(b) == heap->segments->epilogue) {
        trim(heap);
    }
}

// Marks b (off the list) in use with `size` bytes, freeing the rest of it
// as a block of its own when that is big enough to be one.
static void split_and_use(struct heap *heap, struct heap_block *b, size_t size)
{
    size_t total = block_size(b);
    if (total - size < HEAP_MIN_BLOCK) {
        set_block(b, total, true);
        return;
    }
    struct heap_block *rest = block_at((uintptr_t)b + size);
    set_block(b, size, true);
    set_block(rest, total - size, false);
    insert_free(heap, rest);
}

// Starts a new segment at the break with a free block of at least `size`.
static struct heap_block *new_segment(struct heap *heap, uintptr_t brk, size_t size)
{
    uintptr_t start = align_up(brk, HEAP_ALIGN);
    size_t want = (start - brk) + sizeof(struct heap_segment) + size + HDR;
    size_t inc = align_up(want < HEAP_GROW_MIN ? HEAP_GROW_MIN : want, HEAP_PAGE_SIZE);
    void *old = heap->morecore(heap->morecore_ctx, (intptr_t)inc);
    if (old == HEAP_MORECORE_FAILED) {
        return NULL;
    }
    if ((uintptr_t)old != brk) {
        // The break moved between two calls: nobody else runs in this
        // process, so morecore is broken. Give the memory back, and fail.
        (void)heap->morecore(heap->morecore_ctx, -(intptr_t)inc);
        return NULL;
    }
    heap->brk = brk + inc;
    struct heap_segment *seg = (struct heap_segment *)start;
    seg->next = heap->segments;
    heap->segments = seg;
    uintptr_t epi = align_down(heap->brk - HDR, HEAP_ALIGN);
    write_epilogue(seg, epi);
    struct heap_block *b = block_at(first_block_addr(seg));
    b->h.prev_size = 0;
    set_block(b, epi - (uintptr_t)b, false);
    list_push(heap, b);
    return b;
}

// Makes room for a block of `size` bytes at the top of the heap: grows the
// newest segment when the break is still at its end, merging the new space
// with a free top block; else starts a segment. Returns the free block
// (listed) that now holds at least `size` bytes, or NULL.
static struct heap_block *grow(struct heap *heap, size_t size)
{
    void *now = heap->morecore(heap->morecore_ctx, 0);
    if (now == HEAP_MORECORE_FAILED) {
        return NULL;
    }
    if (heap->segments == NULL || (uintptr_t)now != heap->brk) {
        return new_segment(heap, (uintptr_t)now, size);
    }

    struct heap_segment *seg = heap->segments;
    struct heap_block *top = top_block(heap);
    size_t have = (top != NULL && !block_in_use(top)) ? block_size(top) : 0;
    size_t need = size - have;  // grow is only called when have < size
    size_t inc = align_up(need < HEAP_GROW_MIN ? HEAP_GROW_MIN : need, HEAP_PAGE_SIZE);
    if (heap->morecore(heap->morecore_ctx, (intptr_t)inc) == HEAP_MORECORE_FAILED) {
        return NULL;
    }
    heap->brk += inc;

    // The old epilogue's place becomes part of the new space; since it was
    // aligned and inc is a multiple of the page size, at least inc bytes
    // are gained.
    struct heap_block *old_epi = seg->epilogue;
    write_epilogue(seg, align_down(heap->brk - HDR, HEAP_ALIGN));
    struct heap_block *b;
    if (have != 0) {
        list_remove(heap, top);
        b = top;
    } else {
        b = old_epi;  // its prev_size already names the block below
    }
    set_block(b, (uintptr_t)seg->epilogue - (uintptr_t)b, false);
    list_push(heap, b);
    return b;
}

void heap_init(struct heap *heap, heap_morecore_fn morecore, void *ctx)
{
    *heap = (struct heap)HEAP_INITIALIZER(morecore, ctx);
}

void *heap_alloc(struct heap *heap, size_t n)
{
    if (n > HEAP_MAX_ALLOC) {
        return NULL;
    }
    size_t size = block_size_for(n);
    struct heap_block *b = heap->free_list;
    while (b != NULL && block_size(b) < size) {
        b = b->next_free;
    }
    if (b == NULL) {
        b = grow(heap, size);
        if (b == NULL) {
            return NULL;
        }
    }
    list_remove(heap, b);
    split_and_use(heap, b, size);
    return (char *)b + HDR;
}

void *heap_calloc(struct heap *heap, size_t count, size_t size)
{
    if (size != 0 && count > HEAP_MAX_ALLOC / size) {
        return NULL;
    }
    void *p = heap_alloc(heap, count * size);
    if (p != NULL) {
        memset(p, 0, count * size);
    }
    return p;
}

bool heap_is_allocated(const struct heap *heap, const void *ptr)
{
    uintptr_t addr = (uintptr_t)ptr;
    if (addr % HEAP_ALIGN != 0 || addr < HDR) {
        return false;
    }
    uintptr_t b_addr = addr - HDR;
    for (const struct heap_segment *seg = heap->segments; seg != NULL; seg = seg->next) {
        if (b_addr < first_block_addr(seg) || b_addr >= (uintptr_t)seg->epilogue) {
            continue;
        }
        const struct heap_block *b = block_at(b_addr);
        size_t size = block_size(b);
        return block_in_use(b) && size >= HEAP_MIN_BLOCK && size % HEAP_ALIGN == 0 &&
               size <= (uintptr_t)seg->epilogue - b_addr && next_block(b)->h.prev_size == size;
    }
    return false;
}

bool heap_free(struct heap *heap, void *ptr)
{
    if (ptr == NULL) {
        return true;
    }
    if (!heap_is_allocated(heap, ptr)) {
        return false;
    }
    struct heap_block *b = block_at((uintptr_t)ptr - HDR);
    set_block(b, block_size(b), false);
    insert_free(heap, b);
    return true;
}

void *heap_realloc(struct heap *heap, void *ptr, size_t n)
{
    if (ptr == NULL) {
        return heap_alloc(heap, n);
    }
    if (!heap_is_allocated(heap, ptr) || n > HEAP_MAX_ALLOC) {
        return NULL;
    }
    if (n == 0) {
        heap_free(heap, ptr);
        return NULL;
    }
    struct heap_block *b = block_at((uintptr_t)ptr - HDR);
    size_t size = block_size_for(n);
    size_t have = block_size(b);
    if (size <= have) {
        split_and_use(heap, b, size);
        return ptr;
    }

    // Grow in place: into a free block above, or at the top of the heap.
    struct heap_block *next = next_block(b);
    if (next == heap->segments->epilogue) {
        next = grow(heap, size - have);
    }
    if (next != NULL && next == next_block(b) && !block_in_use(next) &&
        have + block_size(next) >= size) {
        list_remove(heap, next);
        set_block(b, have + block_size(next), true);
        split_and_use(heap, b, size);
        return ptr;
    }

    void *moved = heap_alloc(heap, n);
    if (moved == NULL) {
        return NULL;
    }
    memcpy(moved, ptr, have - HDR);
    heap_free(heap, ptr);
    return moved;
}

// Checks one segment's blocks; adds them to *stats.
static bool check_segment(const struct heap_segment *seg, struct heap_stats *stats)
{
    uintptr_t at = first_block_addr(seg);
    size_t prev_size = 0;
    bool prev_free = false;
    while (at < (uintptr_t)seg->epilogue) {
        const struct heap_block *b = block_at(at);
        size_t size = block_size(b);
        if (b->h.prev_size != prev_size || size < HEAP_MIN_BLOCK || size % HEAP_ALIGN != 0 ||
            size > (uintptr_t)seg->epilogue - at) {
            return false;
        }
        if (block_in_use(b)) {
            stats->used_blocks++;
            stats->used_bytes += size;
            prev_free = false;
        } else {
            if (prev_free) {
                return false;  // two free neighbours: a missed merge
            }
            stats->free_blocks++;
            stats->free_bytes += size;
            prev_free = true;
        }
        prev_size = size;
        at += size;
    }
    const struct heap_block *epi = seg->epilogue;
    return at == (uintptr_t)epi && epi->h.size == (0 | IN_USE) && epi->h.prev_size == prev_size;
}

// True when b is the start of a free block in some segment.
static bool is_free_block(const struct heap *heap, const struct heap_block *b)
{
    for (const struct heap_segment *seg = heap->segments; seg != NULL; seg = seg->next) {
        for (uintptr_t at = first_block_addr(seg); at < (uintptr_t)seg->epilogue;
             at += block_size(block_at(at))) {
            if (at == (uintptr_t)b) {
                return !block_in_use(b);
            }
        }
    }
    return false;
}

bool heap_check(const struct heap *heap, struct heap_stats *stats)
{
    struct heap_stats s = {0};
    for (const struct heap_segment *seg = heap->segments; seg != NULL; seg = seg->next) {
        s.segments++;
        if (!check_segment(seg, &s)) {
            return false;
        }
    }
    size_t listed = 0;
    const struct heap_block *prev = NULL;
    for (const struct heap_block *b = heap->free_list; b != NULL; b = b->next_free) {
        if (b->prev_free != prev || !is_free_block(heap, b) || ++listed > s.free_blocks) {
            return false;
        }
        prev = b;
    }
    if (listed != s.free_blocks) {
        return false;
    }
    if (stats != NULL) {
        *stats = s;
    }
    return true;
}
