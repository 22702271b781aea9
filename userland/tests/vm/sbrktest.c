// sbrktest: the program break (kernel/mm/vm.h: as_sbrk; DESIGN.md,
// "Behaviour that must hold"). Each case prints "<case>: ok"; the program
// ends with "sbrktest: PASS", or "sbrktest: FAIL: ..." and status 1.
//
// Correctness criteria:
//  1. sbrk0: sbrk(0) returns the break and changes nothing.
//  2. small: sbrk(n) returns the old break and moves it by exactly n bytes,
//     without taking a page; the new bytes read zero and keep what is
//     written; the first touch of a page maps exactly that page.
//  3. large: sbrk(64 MiB) succeeds and takes no page (free pages and
//     proc_pages_mapped unchanged); touching N pages spread over K fresh
//     2 MiB spans costs exactly N + K pages (the pages and their page
//     tables), maps N pages and counts N demand-zero faults; every touched
//     page reads zero first; proc_table_pages rises by K. Giving the 64 MiB
//     back frees exactly the N pages and the K page tables.
//  4. decrement: sbrk(-n) unmaps and frees exactly the pages wholly above
//     the new break; the bytes below it stay. A child touching a freed page
//     (write, or read) is killed with "bad address". Growing again brings
//     zeroed pages where pages were freed, and the partially kept page
//     keeps all its bytes, also those above the lowered break.
//  5. paststart: a decrement past the heap start returns the break and
//     changes nothing (the osv rule: it behaves as sbrk(0)), for -n - 1
//     and for INTPTR_MIN; a decrement to exactly the start frees every
//     heap page.
//  6. guard: the heap may grow up to the stack's guard gap, lazily (no
//     page taken), and its last page is usable; one byte more fails, as
//     does growth past the end of the user half; a failed sbrk returns
//     (void *)-1 and changes nothing (break, free pages, mappings). A
//     process with that heap forks, and the child's copy of the last page
//     is its own.
//  7. At the end the break is back at the heap start, and the process maps
//     exactly the pages and page tables it mapped at the start: free pages
//     are back where they were.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define P VT_PAGE

static struct vt_pts pts;

static uintptr_t brk_now(void)
{
    return (uintptr_t)sbrk(0);
}

static void expect_same_memory(const struct osv_sysinfo *a, const struct osv_sysinfo *b,
                               const char *what)
{
    VT_CHECK(a->free_pages == b->free_pages, "%s: free pages %lu -> %lu, expected no change", what,
             a->free_pages, b->free_pages);
    VT_CHECK(a->proc_pages_mapped == b->proc_pages_mapped,
             "%s: pages mapped %lu -> %lu, expected no change", what, a->proc_pages_mapped,
             b->proc_pages_mapped);
}

static void case_sbrk0(void)
{
    struct osv_sysinfo a, b;
    vt_settle(&a);
    uintptr_t b0 = brk_now();
    uintptr_t b1 = brk_now();
    vt_sysinfo(&b);
    VT_EXPECT_EQ(b0, vt_heap_start(), "sbrk(0) at the start");
    VT_EXPECT_EQ(b1, b0, "a second sbrk(0)");
    expect_same_memory(&a, &b, "sbrk(0)");
    printf("sbrk0: ok (break 0x%lx)\n", b0);
}

static void case_small(void)
{
    uintptr_t start = brk_now();
    struct osv_sysinfo a, b, c, d;
    vt_settle(&a);
    VT_EXPECT_EQ(vt_sbrk(1), start, "sbrk(1)'s old break");
    VT_EXPECT_EQ(brk_now(), start + 1, "the break after sbrk(1)");
    VT_EXPECT_EQ(vt_sbrk(100), start + 1, "sbrk(100)'s old break");
    VT_EXPECT_EQ(brk_now(), start + 101, "the break after sbrk(100)");
    vt_sysinfo(&b);
    expect_same_memory(&a, &b, "sbrk(1) and sbrk(100) before any touch");

    volatile unsigned char *p = (volatile unsigned char *)start;
    for (int i = 0; i < 101; i++) {
        VT_CHECK(p[i] == 0, "fresh heap byte %d reads %u, not 0", i, p[i]);
        p[i] = (unsigned char)(i + 1);
    }
    int t = vt_pts_add(&pts, start);
    vt_sysinfo(&c);
    VT_EXPECT_EQ(b.free_pages - c.free_pages, 1 + t, "free pages taken by touching one page");
    VT_EXPECT_EQ(c.proc_pages_mapped - b.proc_pages_mapped, 1, "pages mapped by touching one page");
    VT_EXPECT_EQ(c.proc_demand_zero_faults - b.proc_demand_zero_faults, 1,
                 "demand-zero faults for one page");

    VT_EXPECT_EQ(vt_sbrk(5 * P), start + 101, "sbrk(5 pages)'s old break");
    vt_touch_write(start + P, start + 6 * P);
    t += vt_pts_add_range(&pts, start + P, start + 6 * P);
    for (int i = 0; i < 101; i++) {
        VT_CHECK(p[i] == (unsigned char)(i + 1), "heap byte %d lost its value", i);
    }
    vt_sysinfo(&d);
    VT_EXPECT_EQ(a.free_pages - d.free_pages, 6 + t, "free pages taken by touching six pages");
    VT_EXPECT_EQ(d.proc_pages_mapped - a.proc_pages_mapped, 6, "pages mapped after six pages");

    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(5 * P + 101)), start + 5 * P + 101, "the shrink's old break");
    VT_EXPECT_EQ(brk_now(), start, "the break after giving everything back");
    VT_EXPECT_EQ(vt_pts_heap_emptied(&pts), t, "page tables the heap made");
    vt_sysinfo(&d);
    VT_EXPECT_EQ(d.free_pages, a.free_pages, "free pages after giving six pages back (and tables)");
    VT_EXPECT_EQ(d.proc_pages_mapped, a.proc_pages_mapped, "pages mapped after giving back");
    printf("small: ok (1 byte, 100 bytes, 5 pages; %d page table(s) made and freed)\n", t);
}

#define LARGE_BYTES   (64ul * 1024 * 1024)
#define LARGE_STRIDE  (64 * P)  // touch every 64th page: 8 per 2 MiB
#define LARGE_TOUCHED (LARGE_BYTES / LARGE_STRIDE)

static void case_large(void)
{
    uintptr_t start = brk_now();
    // Start on a 2 MiB boundary, so the spans touched are fresh and counted.
    uintptr_t pad = ((start + VT_PT_SPAN - 1) & ~(uintptr_t)(VT_PT_SPAN - 1)) - start;
    vt_sbrk((intptr_t)pad);
    uintptr_t base = start + pad;

    struct osv_sysinfo a, b, c, d;
    vt_settle(&a);
    VT_EXPECT_EQ(vt_sbrk((intptr_t)LARGE_BYTES), base, "sbrk(64 MiB)'s old break");
    vt_sysinfo(&b);
    expect_same_memory(&a, &b, "sbrk(64 MiB) before any touch");

    int t = 0;
    for (uint64_t i = 0; i < LARGE_TOUCHED; i++) {
        volatile uint64_t *q = (volatile uint64_t *)(base + i * LARGE_STRIDE);
        VT_CHECK(q[0] == 0 && q[511] == 0, "a fresh page of the 64 MiB reads nonzero");
        q[0] = i * 0x9e3779b97f4a7c15ul;
        q[511] = ~i;
        t += vt_pts_add(&pts, (uintptr_t)q);
    }
    vt_sysinfo(&c);
    VT_EXPECT_EQ(t, LARGE_BYTES / VT_PT_SPAN, "2 MiB spans touched");
    VT_EXPECT_EQ(b.free_pages - c.free_pages, LARGE_TOUCHED + (uint64_t)t,
                 "free pages taken by touching the 64 MiB sparsely (pages + page tables)");
    VT_EXPECT_EQ(c.proc_table_pages - b.proc_table_pages, t, "page-table pages counted");
    VT_EXPECT_EQ(c.proc_pages_mapped - b.proc_pages_mapped, LARGE_TOUCHED, "pages mapped");
    VT_EXPECT_EQ(c.proc_demand_zero_faults - b.proc_demand_zero_faults, LARGE_TOUCHED,
                 "demand-zero faults");
    VT_EXPECT_EQ(c.proc_page_faults - b.proc_page_faults, LARGE_TOUCHED,
                 "page faults (the read fault maps the page writable)");
    for (uint64_t i = 0; i < LARGE_TOUCHED; i++) {
        volatile uint64_t *q = (volatile uint64_t *)(base + i * LARGE_STRIDE);
        VT_CHECK(q[0] == i * 0x9e3779b97f4a7c15ul && q[511] == ~i,
                 "page %lu of the 64 MiB lost its data", i);
    }

    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(LARGE_BYTES + pad)), base + LARGE_BYTES,
                 "the shrink's old break");
    VT_EXPECT_EQ(brk_now(), start, "the break after giving the 64 MiB back");
    VT_EXPECT_EQ(vt_pts_heap_emptied(&pts), t, "page tables the heap made");
    vt_sysinfo(&d);
    VT_EXPECT_EQ(d.free_pages, a.free_pages,
                 "free pages after giving the 64 MiB back (the page tables too)");
    VT_EXPECT_EQ(d.proc_table_pages, a.proc_table_pages, "page-table pages after giving back");
    VT_EXPECT_EQ(d.proc_pages_mapped, a.proc_pages_mapped, "pages mapped after giving back");
    printf("large: ok (64 MiB: sbrk took 0 pages; %lu touched pages cost %lu + %d page tables; "
           "shrink freed them all)\n",
           LARGE_TOUCHED, LARGE_TOUCHED, t);
}

static unsigned char pattern(uintptr_t addr)
{
    return (unsigned char)((addr >> 12) * 31 + (addr & 0xfff) * 7 + 1);
}

static void touch_and_die(void *addr)
{
    *(volatile char *)addr = 1;
}

static void read_and_die(void *addr)
{
    (void)*(volatile char *)addr;
}

static void case_decrement(void)
{
    uintptr_t b0 = brk_now();
    VT_EXPECT_EQ(b0 % P, 0, "the break's page offset");
    vt_sbrk(8 * P);
    VT_EXPECT_EQ(vt_pts_add_range(&pts, b0, b0 + 8 * P), 0,
                 "page tables for eight pages at the heap start (the data's table holds them)");
    for (uintptr_t x = b0; x < b0 + 8 * P; x++) {
        *(volatile unsigned char *)x = pattern(x);
    }
    struct osv_sysinfo a, b, c, d;
    vt_settle(&a);
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(5 * P + 100)), b0 + 8 * P, "sbrk(-(5 pages + 100))");
    uintptr_t lowered = b0 + 3 * P - 100;
    VT_EXPECT_EQ(brk_now(), lowered, "the lowered break");
    vt_sysinfo(&b);
    VT_EXPECT_EQ(b.free_pages - a.free_pages, 5, "pages freed by sbrk(-(5 pages + 100))");
    VT_EXPECT_EQ(a.proc_pages_mapped - b.proc_pages_mapped, 5, "pages unmapped");
    for (uintptr_t x = b0; x < b0 + 3 * P; x++) {
        VT_CHECK(*(volatile unsigned char *)x == pattern(x),
                 "byte 0x%lx below the page boundary changed after the shrink", x);
    }
    printf("decrement: child writes 0x%lx, the first freed page\n", b0 + 3 * P);
    vt_expect_killed("bad address", touch_and_die, (void *)(b0 + 3 * P));
    printf("decrement: child reads 0x%lx, the last freed page\n", b0 + 7 * P + 123);
    vt_expect_killed("bad address", read_and_die, (void *)(b0 + 7 * P + 123));
    vt_sysinfo(&c);
    expect_same_memory(&b, &c, "after the killed children are reaped");

    VT_EXPECT_EQ(vt_sbrk(5 * P + 100), lowered, "re-growth's old break");
    for (uintptr_t x = b0; x < b0 + 3 * P; x++) {
        VT_CHECK(*(volatile unsigned char *)x == pattern(x),
                 "byte 0x%lx of the partially kept page (or below) changed on re-growth", x);
    }
    for (uintptr_t x = b0 + 3 * P; x < b0 + 8 * P; x++) {
        VT_CHECK(*(volatile unsigned char *)x == 0,
                 "byte 0x%lx of a freed page is not zero after re-growth", x);
    }
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(8 * P)), b0 + 8 * P, "the final shrink");
    vt_pts_heap_emptied(&pts);
    vt_sysinfo(&d);
    VT_EXPECT_EQ(d.free_pages - a.free_pages, 8, "pages freed when the eight pages go");
    VT_EXPECT_EQ(a.proc_pages_mapped - d.proc_pages_mapped, 8, "pages unmapped");
    printf("decrement: ok (freed exactly 5 pages; 2 children killed; re-growth: zeros above, "
           "kept bytes below)\n");
}

static void case_paststart(void)
{
    uintptr_t start = brk_now();
    VT_EXPECT_EQ(start, vt_heap_start(), "the break before paststart");
    VT_EXPECT_EQ((uintptr_t)sbrk(-1), start, "sbrk(-1) on an empty heap");
    VT_EXPECT_EQ(brk_now(), start, "the break after sbrk(-1) on an empty heap");

    vt_sbrk(3 * P);
    for (uintptr_t x = start; x < start + 3 * P; x += 8) {
        *(volatile uint64_t *)x = x;
    }
    struct osv_sysinfo a, b, c;
    vt_settle(&a);
    VT_EXPECT_EQ((uintptr_t)sbrk(-(intptr_t)(3 * P + 1)), start + 3 * P,
                 "sbrk(-(heap size + 1)) (as sbrk(0))");
    VT_EXPECT_EQ(brk_now(), start + 3 * P, "the break after a decrement past the start");
    VT_EXPECT_EQ((uintptr_t)sbrk(INTPTR_MIN), start + 3 * P, "sbrk(INTPTR_MIN) (as sbrk(0))");
    VT_EXPECT_EQ(brk_now(), start + 3 * P, "the break after sbrk(INTPTR_MIN)");
    vt_sysinfo(&b);
    expect_same_memory(&a, &b, "decrements past the heap start");
    for (uintptr_t x = start; x < start + 3 * P; x += 8) {
        VT_CHECK(*(volatile uint64_t *)x == x, "heap word 0x%lx changed", x);
    }
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(3 * P)), start + 3 * P, "sbrk(-(heap size))");
    VT_EXPECT_EQ(brk_now(), start, "the break after a decrement to exactly the start");
    vt_sysinfo(&c);
    VT_EXPECT_EQ(c.free_pages - a.free_pages, 3, "pages freed by a decrement to the start");
    VT_EXPECT_EQ(a.proc_pages_mapped - c.proc_pages_mapped, 3, "pages unmapped");
    printf("paststart: ok (no change past the start; exactly to the start frees 3 pages)\n");
}

static void case_guard(void)
{
    uintptr_t start = brk_now();
    uintptr_t limit = VT_GUARD_START;
    struct osv_sysinfo a, b, c, d, e;
    vt_settle(&a);
    VT_CHECK(sbrk((intptr_t)(limit - start + 1)) == (void *)-1,
             "growth one byte into the stack guard succeeded");
    VT_CHECK(sbrk(INTPTR_MAX) == (void *)-1, "sbrk(INTPTR_MAX) succeeded");
    VT_CHECK(sbrk((intptr_t)VT_USTACK_TOP) == (void *)-1, "sbrk(USTACK_UPPERBOUND) succeeded");
    VT_EXPECT_EQ(brk_now(), start, "the break after failed growth");
    vt_sysinfo(&b);
    expect_same_memory(&a, &b, "failed growth");

    VT_EXPECT_EQ(vt_sbrk((intptr_t)(limit - start)), start, "growth up to the guard");
    VT_EXPECT_EQ(brk_now(), limit, "the break at the guard");
    vt_sysinfo(&c);
    expect_same_memory(&a, &c, "growth of ~128 TiB up to the guard (lazy)");
    VT_CHECK(sbrk(1) == (void *)-1, "growth by one byte past the guard's start succeeded");
    VT_CHECK(sbrk(P) == (void *)-1, "growth by a page over the guard succeeded");
    VT_EXPECT_EQ(brk_now(), limit, "the break after failed growth into the guard");

    volatile uint64_t *last = (volatile uint64_t *)(limit - 8);
    VT_CHECK(*last == 0, "the heap's last page reads nonzero");
    *last = 0x5151;
    VT_EXPECT_EQ(vt_pts_add(&pts, limit - 8), 0, "page tables for the page below the guard");
    vt_sysinfo(&d);
    VT_EXPECT_EQ(a.free_pages - d.free_pages, 1,
                 "free pages taken by the page below the guard (its table is the stack's)");
    VT_EXPECT_EQ(d.proc_pages_mapped - a.proc_pages_mapped, 1, "pages mapped");

    // fork copies the ~128 TiB region without walking its absent pages.
    int pid = fork();
    VT_CHECK(pid >= 0, "fork with the heap at the guard: %s", err_name(pid));
    if (pid == 0) {
        VT_EXPECT_EQ(*last, 0x5151, "the child's view of the heap's last page");
        *last = 0xc417d;
        exit(0);
    }
    int status;
    VT_EXPECT_EQ(wait(pid, &status), pid, "wait");
    VT_EXPECT_EQ(status, 0, "the child's status");
    VT_EXPECT_EQ(*last, 0x5151, "the parent's last heap page after the child wrote its copy");

    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(limit - start)), limit, "shrinking back from the guard");
    VT_EXPECT_EQ(brk_now(), start, "the break after shrinking back");
    vt_sysinfo(&e);
    expect_same_memory(&a, &e, "after shrinking back from the guard");
    printf("guard: ok (grew 0x%lx bytes to the guard at 0x%lx, lazily; one byte more fails; fork "
           "copies it)\n",
           limit - start, limit);
}

int main(void)
{
    vt_init("sbrktest", false);
    vt_pts_init(&pts);
    printf("sbrktest: heap starts at 0x%lx, stack guard gap from 0x%lx\n", vt_heap_start(),
           VT_GUARD_START);
    struct osv_sysinfo s0, s1;
    vt_settle(&s0);

    case_sbrk0();
    case_small();
    case_large();
    case_decrement();
    case_paststart();
    case_guard();

    vt_settle(&s1);
    VT_EXPECT_EQ(brk_now(), vt_heap_start(), "the break at the end");
    VT_EXPECT_EQ(s1.proc_pages_mapped, s0.proc_pages_mapped, "pages mapped at the end");
    VT_EXPECT_EQ(s1.proc_table_pages, s0.proc_table_pages, "page-table pages at the end");
    VT_EXPECT_EQ(s1.free_pages, s0.free_pages, "free pages at the end");
    printf("sbrktest: end: %lu pages and %lu page-table pages mapped, as at the start; free pages "
           "back\n",
           s1.proc_pages_mapped, s1.proc_table_pages);
    return vt_pass();
}
