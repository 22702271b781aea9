// os161_sbrktest: the sub-tests of OS/161's sbrktest, by behaviour, written
// anew for osv's promises (kernel/mm/vm.h: as_sbrk): memory from sbrk comes
// on demand and zeroed; sbrk(-n) frees the pages wholly above the new
// break, and pages freed that way come back zeroed on re-growth while a
// partially kept page keeps its bytes; a decrement past the heap start
// changes nothing (OS/161 returns EINVAL there; osv behaves as sbrk(0));
// growth fails only when the address space runs out, not memory: then the
// touch kills. Each sub-test prints "<sub>: ok"; the program ends with
// "os161_sbrktest: PASS" or "os161_sbrktest: FAIL: ...".
//
// Correctness criteria:
//  1. onepage, freeone, freeseveral, freeeach: allocating pages gives the
//     old break and zeroed, writable memory; freeing them (all at once, or
//     one at a time with the rest checked each time) moves the break back
//     and frees exactly one page per page.
//  2. heapend: a child touching the page just past the break, or a page
//     just freed, is killed with "bad address".
//  3. cycle: 100 rounds of allocate, fill, check and free of 10 pages: each
//     round's pages start zeroed (never the last round's data) and free
//     pages do not move.
//  4. regrow: shrinking into the middle of a page and growing again keeps
//     that page's bytes (also those above the lowered break) and brings
//     zeros where whole pages were freed.
//  5. freepast: a decrement past the heap start returns the break and
//     changes nothing.
//  6. bigchunk: sbrk of twice the machine's memory succeeds without taking a
//     page; a child writing it all is killed with "out of memory"; sbrk
//     past the user half fails with (void *)-1, changing nothing.
//  7. smallchunks: page after page from sbrk(4096), each written, until only
//     a reserve is free: all succeed; freeing them gives back exactly as
//     many pages, and the page tables they needed.
//  8. forkalloc: after fork, parent and child grow and use their heaps
//     independently (each sees its own break and its own data).
//  9. allocfork: a child of a process with a filled heap sees the data;
//     when it frees the heap and grows it again it gets zeros, never the
//     parent's data; the parent's heap is untouched.
// 10. stress: 3000 random increments and decrements (bytes to 16 pages),
//     checked against a shadow of what every byte must hold (zeros, old
//     bytes of a kept page, or what was written); the process maps exactly
//     the heap's pages after each check.
// 11. At the end, free pages are back to the start exactly: the page tables
//     the heap made went with its pages.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define P VT_PAGE

static uintptr_t brk_now(void)
{
    return (uintptr_t)sbrk(0);
}

static uint64_t free_now(void)
{
    struct osv_sysinfo s;
    vt_settle(&s);
    return s.free_pages;
}

static unsigned char pattern(uintptr_t addr, unsigned salt)
{
    return (unsigned char)((addr >> 12) * 17 + (addr & 0xfff) * 3 + salt);
}

static void fill(uintptr_t lo, uintptr_t hi, unsigned salt)
{
    for (uintptr_t x = lo; x < hi; x++) {
        *(volatile unsigned char *)x = pattern(x, salt);
    }
}

static void check(uintptr_t lo, uintptr_t hi, unsigned salt, const char *what)
{
    for (uintptr_t x = lo; x < hi; x++) {
        unsigned char got = *(volatile unsigned char *)x;
        VT_CHECK(got == pattern(x, salt), "%s: byte 0x%lx is %u, not %u", what, x, got,
                 pattern(x, salt));
    }
}

static void check_zero(uintptr_t lo, uintptr_t hi, const char *what)
{
    for (uintptr_t x = lo; x < hi; x++) {
        unsigned char got = *(volatile unsigned char *)x;
        VT_CHECK(got == 0, "%s: byte 0x%lx is %u, not 0", what, x, got);
    }
}

// Allocates n pages with sbrk, checks they read zero, fills them.
static uintptr_t alloc_pages(uint64_t n, unsigned salt)
{
    uintptr_t p = vt_sbrk((intptr_t)(n * P));
    check_zero(p, p + n * P, "fresh pages");
    fill(p, p + n * P, salt);
    return p;
}

static void onepage(void)
{
    uintptr_t start = brk_now();
    uintptr_t p = alloc_pages(1, 1);
    VT_EXPECT_EQ(p, start, "sbrk(4096)'s old break");
    VT_EXPECT_EQ(brk_now(), start + P, "the break");
    check(p, p + P, 1, "the page");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)P), start + P, "sbrk(-4096)");
    printf("onepage: ok\n");
}

static void freeone(void)
{
    uint64_t f0 = free_now();
    uintptr_t p = alloc_pages(1, 2);
    VT_EXPECT_EQ(f0 - free_now(), 1, "pages taken by one page");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)P), p + P, "sbrk(-4096)");
    VT_EXPECT_EQ(brk_now(), p, "the break after freeing");
    VT_EXPECT_EQ(free_now(), f0, "free pages after freeing one page");
    printf("freeone: ok\n");
}

static void freeseveral(void)
{
    uint64_t f0 = free_now();
    uintptr_t p = alloc_pages(5, 3);
    check(p, p + 5 * P, 3, "five pages");
    VT_EXPECT_EQ(f0 - free_now(), 5, "pages taken by five pages");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(5 * P)), p + 5 * P, "sbrk(-5 pages)");
    VT_EXPECT_EQ(free_now(), f0, "free pages after freeing five pages");
    printf("freeseveral: ok\n");
}

static void freeeach(void)
{
    uint64_t f0 = free_now();
    uintptr_t p = alloc_pages(5, 4);
    for (int left = 5; left > 0; left--) {
        check(p, p + (uint64_t)left * P, 4, "the pages left");
        VT_EXPECT_EQ(vt_sbrk(-(intptr_t)P), p + (uint64_t)left * P, "sbrk(-4096)");
        VT_EXPECT_EQ(f0 - free_now(), (uint64_t)left - 1, "pages still taken");
    }
    VT_EXPECT_EQ(brk_now(), p, "the break after freeing page by page");
    printf("freeeach: ok\n");
}

static void touch(void *addr)
{
    *(volatile char *)addr = 1;
}

static void heapend(void)
{
    uintptr_t p = alloc_pages(2, 5);
    vt_expect_killed("bad address", touch, (void *)(p + 2 * P));
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)P), p + 2 * P, "sbrk(-4096)");
    vt_expect_killed("bad address", touch, (void *)(p + P + 100));
    check(p, p + P, 5, "the page kept");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)P), p + P, "sbrk(-4096)");
    printf("heapend: ok (past the break, and a freed page: killed)\n");
}

static void cycle(void)
{
    uint64_t f0 = free_now();
    for (unsigned round = 0; round < 100; round++) {
        uintptr_t p = alloc_pages(10, round);  // checks zeros first
        check(p, p + 10 * P, round, "a round's pages");
        VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(10 * P)), p + 10 * P, "sbrk(-10 pages)");
    }
    VT_EXPECT_EQ(free_now(), f0, "free pages after 100 rounds");
    printf("cycle: ok (100 x 10 pages, zeroed every time)\n");
}

static void regrow(void)
{
    uint64_t f0 = free_now();
    uintptr_t p = alloc_pages(4, 6);
    uintptr_t lowered = p + P + 1000;
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(p + 4 * P - lowered)), p + 4 * P, "shrink into page 1");
    VT_EXPECT_EQ(f0 - free_now(), 2, "pages kept (the whole one and the partial one)");
    VT_EXPECT_EQ(vt_sbrk((intptr_t)(p + 4 * P - lowered)), lowered, "re-growth");
    check(p, p + 2 * P, 6, "the pages kept, all bytes of the partial one");
    check_zero(p + 2 * P, p + 4 * P, "pages freed and grown again");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(4 * P)), p + 4 * P, "sbrk back");
    VT_EXPECT_EQ(free_now(), f0, "free pages after regrow");
    printf("regrow: ok (the partial page keeps its bytes; freed pages come back zeroed)\n");
}

static void freepast(void)
{
    uintptr_t p = alloc_pages(3, 7);
    uint64_t f0 = free_now();
    uintptr_t b = brk_now();
    VT_EXPECT_EQ((uintptr_t)sbrk(-(intptr_t)(b - vt_heap_start() + P)), b,
                 "sbrk past the heap start (as sbrk(0))");
    VT_EXPECT_EQ(brk_now(), b, "the break");
    VT_EXPECT_EQ(free_now(), f0, "free pages");
    check(p, p + 3 * P, 7, "the heap");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(3 * P)), p + 3 * P, "sbrk back");
    printf("freepast: ok (no change; osv returns the break where OS/161 says EINVAL)\n");
}

static void write_all(void *arg)
{
    uintptr_t *range = arg;
    for (uintptr_t x = range[0]; x < range[1]; x += P) {
        *(volatile char *)x = 1;
    }
    printf("bigchunk: the child wrote everything and survived\n");
}

static void bigchunk(void)
{
    struct osv_sysinfo a;
    vt_settle(&a);
    uint64_t bytes = a.total_pages * 2 * P;
    uintptr_t p = vt_sbrk((intptr_t)bytes);
    VT_EXPECT_EQ(free_now(), a.free_pages, "free pages after sbrk of twice memory");
    uintptr_t range[2] = {p, p + bytes};
    vt_expect_killed("out of memory", write_all, range);
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)bytes), p + bytes, "sbrk back");
    uintptr_t b = brk_now();
    VT_CHECK(sbrk((intptr_t)(VT_USTACK_TOP - b)) == (void *)-1, "sbrk to the stack top succeeded");
    VT_CHECK(sbrk(INTPTR_MAX) == (void *)-1, "sbrk(INTPTR_MAX) succeeded");
    VT_EXPECT_EQ(brk_now(), b, "the break after failed growth");
    VT_EXPECT_EQ(free_now(), a.free_pages, "free pages after bigchunk");
    printf("bigchunk: ok (2x memory granted lazily; writing it killed the child; growth past "
           "the user half fails)\n");
}

#define RESERVE 256  // pages left free by smallchunks

static void smallchunks(void)
{
    uint64_t f0 = free_now();
    uintptr_t start = brk_now();
    uint64_t n = 0;
    for (;;) {
        struct osv_sysinfo s;
        vt_sysinfo(&s);
        if (s.free_pages <= RESERVE) {
            break;
        }
        uintptr_t p = vt_sbrk(P);
        VT_EXPECT_EQ(p, start + n * P, "sbrk(4096)'s old break");
        *(volatile uint64_t *)p = n;
        n++;
    }
    for (uint64_t i = 0; i < n; i++) {
        VT_EXPECT_EQ(*(volatile uint64_t *)(start + i * P), i, "a small chunk's word");
    }
    struct vt_pts pts;
    vt_pts_init(&pts);  // the heap is empty: exec's tables only
    int tables = vt_pts_add_range(&pts, start, start + n * P);
    uint64_t f1 = free_now();
    VT_EXPECT_EQ(f0 - f1, n + (uint64_t)tables, "free pages taken by the small chunks");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(n * P)), start + n * P, "sbrk back");
    VT_EXPECT_EQ(free_now() - f1, n + (uint64_t)tables, "pages freed (and page tables)");
    printf("smallchunks: ok (%lu pages one sbrk(4096) at a time, down to %d free)\n", n, RESERVE);
}

static void forkalloc(void)
{
    uintptr_t start = brk_now();
    int pid = fork();
    VT_CHECK(pid >= 0, "fork: %s", err_name(pid));
    unsigned salt = pid == 0 ? 9 : 8;
    uint64_t pages = pid == 0 ? 7 : 3;
    uintptr_t p = vt_sbrk((intptr_t)(pages * P));
    VT_EXPECT_EQ(p, start, "the old break after fork");
    check_zero(p, p + pages * P, "fresh pages after fork");
    fill(p, p + pages * P, salt);
    sleep(1);  // let the other one run
    check(p, p + pages * P, salt, "own pages after fork");
    VT_EXPECT_EQ(brk_now(), start + pages * P, "own break after fork");
    if (pid == 0) {
        exit(0);
    }
    int status;
    VT_EXPECT_EQ(wait(pid, &status), pid, "wait");
    VT_EXPECT_EQ(status, 0, "the child's status");
    check(p, p + pages * P, salt, "the parent's pages after the child");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(pages * P)), p + pages * P, "sbrk back");
    printf("forkalloc: ok (parent and child grew 3 and 7 pages from the same break)\n");
}

static void allocfork(void)
{
    uintptr_t p = alloc_pages(64, 10);
    int pid = fork();
    VT_CHECK(pid >= 0, "fork: %s", err_name(pid));
    if (pid == 0) {
        check(p, p + 64 * P, 10, "the child's view of the parent's heap");
        VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(64 * P)), p + 64 * P, "the child's sbrk(-64 pages)");
        VT_EXPECT_EQ(vt_sbrk((intptr_t)(64 * P)), p, "the child's re-growth");
        check_zero(p, p + 64 * P, "the child's re-grown heap (the parent's data must not show)");
        fill(p, p + 64 * P, 11);
        exit(0);
    }
    int status;
    VT_EXPECT_EQ(wait(pid, &status), pid, "wait");
    VT_EXPECT_EQ(status, 0, "the child's status");
    check(p, p + 64 * P, 10, "the parent's heap after the child freed and refilled its own");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(64 * P)), p + 64 * P, "sbrk back");
    printf("allocfork: ok (the child freed and re-grew: zeros, not the parent's data)\n");
}

// --- stress: a shadow of every heap byte.

#define STRESS_STEPS 3000
#define STRESS_LIMIT (128 * P)  // the heap stays below start + this
static unsigned char shadow[STRESS_LIMIT];

static void stress(void)
{
    uint64_t seed = 0x05161ul;
    uintptr_t start = brk_now();
    VT_EXPECT_EQ(start, vt_heap_start(), "the break before stress");
    memset(shadow, 0, sizeof(shadow));
    struct osv_sysinfo s0;
    vt_settle(&s0);
    size_t len = 0;  // bytes in the heap
    int grows = 0, shrinks = 0;
    size_t most = 0;
    for (int step = 0; step < STRESS_STEPS; step++) {
        uint64_t r = vt_rand(&seed);
        size_t amount =
            (r >> 8) % 4 == 0 ? (size_t)((r >> 16) % (16 * P)) : (size_t)((r >> 16) % 300);
        bool grow = (r & 1) != 0 && len + amount <= STRESS_LIMIT;
        if (grow) {
            VT_EXPECT_EQ(vt_sbrk((intptr_t)amount), start + len, "growth's old break");
            // The new bytes: zero, or the old bytes of a page kept partly.
            for (size_t i = len; i < len + amount; i++) {
                unsigned char got = *(volatile unsigned char *)(start + i);
                VT_CHECK(got == shadow[i], "step %d: grown byte %zu is %u, expected %u", step, i,
                         got, shadow[i]);
            }
            for (size_t i = len; i < len + amount; i += 1 + (r >> 40) % 7) {
                shadow[i] = (unsigned char)(vt_rand(&seed) | 1);
                *(volatile unsigned char *)(start + i) = shadow[i];
            }
            len += amount;
            most = len > most ? len : most;
            grows++;
        } else {
            amount = amount > len ? len : amount;
            VT_EXPECT_EQ(vt_sbrk(-(intptr_t)amount), start + len, "shrink's old break");
            len -= amount;
            // Whole pages above the new break are freed: they come back zero.
            size_t kept = vt_pg_round_up(start + len) - start;
            memset(shadow + kept, 0, STRESS_LIMIT - kept);
            shrinks++;
        }
        VT_EXPECT_EQ(brk_now(), start + len, "the break");
        if (step % 100 == 99 || step == STRESS_STEPS - 1) {
            for (size_t i = 0; i < len; i++) {
                unsigned char got = *(volatile unsigned char *)(start + i);
                VT_CHECK(got == shadow[i], "step %d: byte %zu is %u, expected %u", step, i, got,
                         shadow[i]);
            }
            struct osv_sysinfo s;
            vt_sysinfo(&s);
            uint64_t heap_pages = (vt_pg_round_up(start + len) - start) / P;
            VT_EXPECT_EQ(s.proc_pages_mapped - s0.proc_pages_mapped, heap_pages,
                         "pages mapped: exactly the heap's (every one was read)");
        }
    }
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)len), start + len, "sbrk back");
    printf("stress: ok (%d steps: %d grows, %d shrinks, up to %zu bytes; every byte as the "
           "shadow says)\n",
           STRESS_STEPS, grows, shrinks, most);
}

int main(void)
{
    vt_init("os161_sbrktest", false);
    uint64_t f0 = free_now();
    onepage();
    freeone();
    freeseveral();
    freeeach();
    heapend();
    cycle();
    regrow();
    freepast();
    bigchunk();
    smallchunks();
    forkalloc();
    allocfork();
    stress();
    VT_EXPECT_EQ(brk_now(), vt_heap_start(), "the break at the end");
    VT_EXPECT_EQ(free_now(), f0, "free pages at the end");
    printf("os161_sbrktest: free pages back to the start\n");
    return vt_pass();
}
