// mallocstress: malloc, free, realloc and calloc under load, on the real
// sbrk (userland/lib/heap.h; <stdlib.h> for the policy), and what the heap
// does to the address space: it takes pages on demand and gives them back
// with sbrk(-n) when its top is free.
//
// Correctness criteria:
//  1. Blocks of many sizes (1 byte to 256 KiB, log-uniform) are 16-byte
//     aligned, lie inside the heap, never overlap a live block, and keep
//     their pattern until freed, while others are allocated and freed in a
//     random order around them.
//  2. realloc growing a block step by step (x1.5 up to 1 MiB, with other
//     blocks allocated in between so it sometimes moves) keeps its contents;
//     shrinking keeps the prefix.
//  3. calloc returns zeros, also in memory freed dirty a moment before.
//  4. Once every block is freed, the break is back within
//     HEAP_TRIM_THRESHOLD (plus a page) of the heap start; pages above it
//     were given back, with their page tables: the process maps exactly the
//     pages of the heap left (every one was touched), and free pages are
//     down by exactly those pages and the page tables they need.
//  5. A second round ends with exactly the same break, pages mapped and
//     free pages: nothing creeps.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/lib/heap.h"
#include "userland/tests/vm/vmtest.h"

#define SLOTS      256
#define OPERATIONS 3000
#define MAX_SHIFT  18  // sizes up to 256 KiB

struct block {
    unsigned char *p;
    size_t size;
    uint32_t id;
};

static struct block blocks[SLOTS];
static uint64_t seed = 0x0511de5eed;
static uint32_t next_id = 1;
static uintptr_t max_brk;  // the highest break so far

static unsigned char byte_of(uint32_t id, size_t i)
{
    return (unsigned char)(id * 131 + i * 7 + (i >> 9));
}

static void note_brk(void)
{
    uintptr_t b = (uintptr_t)sbrk(0);
    if (b > max_brk) {
        max_brk = b;
    }
}

static void fill(struct block *b)
{
    for (size_t i = 0; i < b->size; i++) {
        b->p[i] = byte_of(b->id, i);
    }
}

static void verify(const struct block *b, size_t n, const char *when)
{
    for (size_t i = 0; i < n; i++) {
        VT_CHECK(b->p[i] == byte_of(b->id, i), "%s: block %u (%zu bytes at %p) byte %zu changed",
                 when, b->id, b->size, (void *)b->p, i);
    }
}

static void check_placement(const unsigned char *p, size_t size)
{
    uintptr_t a = (uintptr_t)p;
    VT_CHECK(a % 16 == 0, "malloc(%zu) returned %p, not 16-byte aligned", size, (void *)p);
    VT_CHECK(a >= vt_heap_start() && a + size <= (uintptr_t)sbrk(0),
             "malloc(%zu) returned %p, outside the heap", size, (void *)p);
    for (int i = 0; i < SLOTS; i++) {
        const struct block *o = &blocks[i];
        if (o->p != NULL && o->p != p) {
            uintptr_t b = (uintptr_t)o->p;
            VT_CHECK(a + size <= b || b + o->size <= a, "block %p (%zu) overlaps block %p (%zu)",
                     (void *)p, size, (void *)o->p, o->size);
        }
    }
}

static size_t random_size(void)
{
    unsigned shift = (unsigned)(vt_rand(&seed) % (MAX_SHIFT + 1));
    size_t base = (size_t)1 << shift;
    return base + (size_t)(vt_rand(&seed) % base);
}

static void allocate(struct block *b)
{
    size_t size = random_size();
    if (size > (1u << MAX_SHIFT)) {
        size = 1u << MAX_SHIFT;
    }
    unsigned char *p = malloc(size);
    VT_CHECK(p != NULL, "malloc(%zu) returned NULL", size);
    note_brk();
    check_placement(p, size);
    *b = (struct block){.p = p, .size = size, .id = next_id++};
    fill(b);
}

static void release(struct block *b)
{
    verify(b, b->size, "before free");
    free(b->p);
    b->p = NULL;
}

// Random allocations and frees; every block freed at the end, in random
// order.
static void churn(void)
{
    for (int op = 0; op < OPERATIONS; op++) {
        struct block *b = &blocks[vt_rand(&seed) % SLOTS];
        if (b->p == NULL) {
            allocate(b);
        } else {
            release(b);
        }
    }
    int left = 0;
    for (int i = 0; i < SLOTS; i++) {
        left += blocks[i].p != NULL;
    }
    while (left > 0) {
        struct block *b = &blocks[vt_rand(&seed) % SLOTS];
        if (b->p != NULL) {
            release(b);
            left--;
        }
    }
}

static void grow_by_realloc(void)
{
    struct block b = {.p = malloc(16), .size = 16, .id = next_id++};
    VT_CHECK(b.p != NULL, "malloc(16) returned NULL");
    fill(&b);
    unsigned char *others[32];
    int n_others = 0;
    int moves = 0;
    while (b.size < 1024 * 1024) {
        size_t bigger = b.size + b.size / 2;
        unsigned char *p = realloc(b.p, bigger);
        VT_CHECK(p != NULL, "realloc to %zu returned NULL", bigger);
        note_brk();
        moves += p != b.p;
        b.p = p;
        verify(&b, b.size, "after realloc growth");
        b.size = bigger;
        fill(&b);
        if (n_others < 32) {
            others[n_others] = malloc(64 + 32 * (size_t)n_others);  // blocks the way up
            VT_CHECK(others[n_others] != NULL, "malloc returned NULL");
            note_brk();
            n_others++;
        }
    }
    unsigned char *p = realloc(b.p, 1000);
    VT_CHECK(p != NULL, "realloc shrinking to 1000 returned NULL");
    b.p = p;
    verify(&b, 1000, "after realloc shrink");
    free(b.p);
    for (int i = 0; i < n_others; i++) {
        free(others[i]);
    }
    printf("realloc: ok (16 bytes to %zu by x1.5, moved %d times, contents kept; shrink keeps "
           "the prefix)\n",
           b.size, moves);
}

static void calloc_dirty(void)
{
    unsigned char *dirty = malloc(64 * 1024);
    VT_CHECK(dirty != NULL, "malloc returned NULL");
    memset(dirty, 0xa5, 64 * 1024);
    free(dirty);
    for (int round = 0; round < 4; round++) {
        size_t count = 1000u << round;
        uint64_t *z = calloc(count, 8);
        VT_CHECK(z != NULL, "calloc(%zu, 8) returned NULL", count);
        note_brk();
        for (size_t i = 0; i < count; i++) {
            VT_CHECK(z[i] == 0, "calloc(%zu, 8)[%zu] is 0x%lx, not 0", count, i, z[i]);
        }
        memset(z, 0x5a, count * 8);
        free(z);
    }
    printf("calloc: ok (zeros, also over memory freed dirty)\n");
}

struct figures {
    uintptr_t brk;
    uint64_t mapped;
    uint64_t free;
};

static struct figures round_trip(int round, const struct osv_sysinfo *s0)
{
    churn();
    grow_by_realloc();
    calloc_dirty();
    struct osv_sysinfo s;
    vt_settle(&s);
    uintptr_t brk = (uintptr_t)sbrk(0);
    uint64_t heap_left = (vt_pg_round_up(brk) - vt_heap_start()) / VT_PAGE;
    // The tables that the heap's pages left need (those of the pages given
    // back went with them).
    struct vt_pts pts;
    vt_pts_init(&pts);
    int tables = vt_pts_add_range(&pts, vt_heap_start(), vt_pg_round_up(brk));
    printf("round %d: the heap grew to 0x%lx (%lu KiB) and is back to 0x%lx (%lu pages); "
           "%lu pages mapped, %lu free\n",
           round, max_brk, (max_brk - vt_heap_start()) / 1024, brk, heap_left, s.proc_pages_mapped,
           s.free_pages);
    VT_CHECK(brk - vt_heap_start() < HEAP_TRIM_THRESHOLD + HEAP_PAGE_SIZE,
             "the break stayed at 0x%lx, %lu bytes above the heap start", brk,
             brk - vt_heap_start());
    VT_EXPECT_EQ(s.proc_pages_mapped - s0->proc_pages_mapped, heap_left,
                 "pages mapped now beyond the start (the heap's pages left)");
    VT_EXPECT_EQ(s.proc_table_pages - s0->proc_table_pages, tables,
                 "page-table pages beyond the start (those of the heap's pages left)");
    VT_EXPECT_EQ(s0->free_pages - s.free_pages, heap_left + (uint64_t)tables,
                 "free pages taken (the heap's pages left and their page tables)");
    return (struct figures){.brk = brk, .mapped = s.proc_pages_mapped, .free = s.free_pages};
}

int main(void)
{
    vt_init("mallocstress", false);
    max_brk = vt_heap_start();
    printf("mallocstress: %d slots, %d operations per round, sizes up to %u bytes\n", SLOTS,
           OPERATIONS, 1u << MAX_SHIFT);
    struct osv_sysinfo s0;
    vt_settle(&s0);
    struct figures first = round_trip(1, &s0);
    struct figures second = round_trip(2, &s0);
    VT_EXPECT_EQ(second.brk, first.brk, "the break after the second round");
    VT_EXPECT_EQ(second.mapped, first.mapped, "pages mapped after the second round");
    VT_EXPECT_EQ(second.free, first.free, "free pages after the second round");
    printf("mallocstress: the second round ends where the first did\n");
    return vt_pass();
}
