// stacktest: the on-demand user stack (kernel/syscall_abi.h: USTACK_PAGES
// pages below USTACK_UPPERBOUND, a guard gap of USTACK_GUARD_PAGES below
// them that no region may enter; kernel/pgfault.h: any access in the gap is
// a stack overflow). Each case runs in
// a freshly exec'd copy of this program ("stacktest <case>"), whose stack
// has only its top page mapped, so page counts are exact. Cases that must
// survive print "<case>: ok"; the parent ends with "stacktest: PASS", or
// "stacktest: FAIL: ..." and status 1.
//
// Correctness criteria:
//  1. reads: reading an untouched stack page below the current one returns
//     zeros in every byte and maps exactly that page (one demand-zero fault,
//     one page mapped, one free page taken: its page table exists).
//  2. writes: a 24 KiB local array, written from its lowest byte up, grows
//     the stack by exactly the pages between it and the deepest page mapped
//     before (one demand-zero fault and one free page each) and keeps every
//     byte.
//  3. recursion: 60 nested calls with 384-byte frames grow the stack the
//     same way, and every frame keeps its values until it returns.
//  4. A write just below the stack, an unbounded recursion, a 200 KiB local
//     array, and a write to the lowest byte of the guard gap each kill the
//     process with "stack overflow"; a write one byte below the gap kills it
//     with "bad address". The parent sees EXIT_STATUS_KILLED each time and
//     goes on.
//  5. No stack clash: with the heap grown as far up as sbrk allows, a
//     function with a 48 KiB local array (deeper than the stack region)
//     is killed with "stack overflow" before it writes a byte of the heap;
//     the highest heap pages, written before, keep their bytes. (With a single
//     guard page the array reached into the heap without any fault.)
//  6. After every child is reaped, free pages are back where they were.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define P           VT_PAGE
#define ARRAY_BYTES (24 * 1024)
#define FRAME_WORDS 48  // 384 bytes of locals per recursion level
#define RECURSION   60
#define JUMP_BYTES  (200 * 1024)
#define CLASH_BYTES (48 * 1024)
#define CLASH_PAGES 4

static volatile int never;  // 0: keeps the compiler from seeing infinite recursion

// The lowest stack page mapped now, all pages below it being absent: walks
// down from this frame, reading page after page, until a read faults (and
// maps that page). Relies on the stack having been used contiguously.
static uintptr_t __attribute__((noinline)) probe_stack(void)
{
    uintptr_t page = vt_pg_round_down((uintptr_t)__builtin_frame_address(0));
    for (;;) {
        struct osv_sysinfo before, after;
        vt_sysinfo(&before);
        (void)*(volatile char *)page;
        vt_sysinfo(&after);
        if (after.proc_page_faults != before.proc_page_faults) {
            return page;
        }
        VT_CHECK(page > VT_USTACK_START, "the whole stack is mapped already");
        page -= P;
    }
}

static void expect_growth(const struct osv_sysinfo *a, const struct osv_sysinfo *b, uint64_t pages,
                          const char *what)
{
    VT_EXPECT_EQ(b->proc_pages_mapped - a->proc_pages_mapped, pages, what);
    VT_EXPECT_EQ(b->proc_demand_zero_faults - a->proc_demand_zero_faults, pages,
                 "demand-zero faults");
    VT_EXPECT_EQ(a->free_pages - b->free_pages, pages, "free pages taken");
}

static void case_reads(void)
{
    uintptr_t deepest = probe_stack();
    uintptr_t low = VT_USTACK_START, mid = VT_USTACK_START + 2 * P;
    VT_CHECK(mid < deepest, "the stack is already used down to 0x%lx", deepest);
    struct osv_sysinfo a, b;
    vt_settle(&a);
    for (uintptr_t x = low; x < low + P; x++) {
        VT_CHECK(*(volatile unsigned char *)x == 0, "untouched stack byte 0x%lx is not zero", x);
    }
    for (uintptr_t x = mid; x < mid + P; x++) {
        VT_CHECK(*(volatile unsigned char *)x == 0, "untouched stack byte 0x%lx is not zero", x);
    }
    vt_sysinfo(&b);
    expect_growth(&a, &b, 2, "pages mapped by reading two untouched stack pages");
    VT_EXPECT_EQ(b.proc_page_faults - a.proc_page_faults, 2, "page faults");
    printf("reads: ok (pages 0x%lx and 0x%lx below the used stack read zero, one fault each)\n",
           low, mid);
}

// Fills and checks a local array; stores its lowest address in *low.
static void __attribute__((noinline)) fill_array(uintptr_t *low)
{
    volatile unsigned char buf[ARRAY_BYTES];
    *low = (uintptr_t)&buf[0];
    for (int i = 0; i < ARRAY_BYTES; i++) {
        buf[i] = (unsigned char)(i * 13 + 5);
    }
    for (int i = 0; i < ARRAY_BYTES; i++) {
        VT_CHECK(buf[i] == (unsigned char)(i * 13 + 5), "stack array byte %d changed", i);
    }
}

static void case_writes(void)
{
    uintptr_t deepest = probe_stack();
    struct osv_sysinfo a, b;
    vt_settle(&a);
    uintptr_t low;
    fill_array(&low);
    vt_sysinfo(&b);
    VT_CHECK(low >= VT_USTACK_START, "the array went below the stack");
    uint64_t pages = (deepest - vt_pg_round_down(low)) / P;
    VT_CHECK(pages >= 4, "a 24 KiB array grew the stack by only %lu pages", pages);
    expect_growth(&a, &b, pages, "pages mapped by a 24 KiB local array");
    printf("writes: ok (a 24 KiB array down to 0x%lx mapped %lu pages)\n", low, pages);
}

static uintptr_t lowest_frame = UINTPTR_MAX;

static uint64_t __attribute__((noinline)) recurse(int depth)
{
    volatile uint64_t local[FRAME_WORDS];
    for (int i = 0; i < FRAME_WORDS; i++) {
        local[i] = (uint64_t)depth * 1000 + (uint64_t)i;
    }
    if ((uintptr_t)&local[0] < lowest_frame) {
        lowest_frame = (uintptr_t)&local[0];
    }
    uint64_t below = depth > 1 ? recurse(depth - 1) : 0;
    uint64_t sum = 0;
    for (int i = 0; i < FRAME_WORDS; i++) {
        VT_CHECK(local[i] == (uint64_t)depth * 1000 + (uint64_t)i,
                 "frame %d word %d changed during deeper calls", depth, i);
        sum += local[i];
    }
    return sum + below;
}

static void case_recursion(void)
{
    uintptr_t deepest = probe_stack();
    lowest_frame = UINTPTR_MAX;  // bss: mapped (and copied) by vt_init already
    struct osv_sysinfo a, b;
    vt_settle(&a);
    uint64_t sum = recurse(RECURSION);
    vt_sysinfo(&b);
    uint64_t expected = 0;
    for (uint64_t d = 1; d <= RECURSION; d++) {
        expected += FRAME_WORDS * d * 1000 + FRAME_WORDS * (FRAME_WORDS - 1) / 2;
    }
    VT_EXPECT_EQ(sum, expected, "the recursion's checksum");
    VT_CHECK(lowest_frame >= VT_USTACK_START, "the recursion went below the stack");
    uint64_t pages = (deepest - vt_pg_round_down(lowest_frame)) / P;
    VT_CHECK(pages >= 4, "%d levels grew the stack by only %lu pages", RECURSION, pages);
    expect_growth(&a, &b, pages, "pages mapped by the recursion");
    printf("recursion: ok (%d levels down to 0x%lx mapped %lu pages)\n", RECURSION, lowest_frame,
           pages);
}

static void case_guard(void)
{
    *(volatile char *)(VT_USTACK_START - 8) = 1;
}

static uint64_t __attribute__((noinline)) recurse_forever(uint64_t n)
{
    volatile uint64_t local[FRAME_WORDS];
    local[0] = n;
    if (never) {
        return n;
    }
    return recurse_forever(n + 1) + local[0];
}

static void case_unbounded(void)
{
    printf("unbounded: returned %lu\n", recurse_forever(0));
}

static void __attribute__((noinline)) case_jump(void)
{
    volatile char big[JUMP_BYTES];
    // The lowest byte first: deep in the guard gap. (Printing its address
    // keeps the compiler from shrinking the array to the one byte used.)
    big[0] = 1;
    printf("jump: survived a write at %p: %d\n", (void *)&big[0], big[0]);
}

static void case_gapbottom(void)
{
    *(volatile char *)VT_GUARD_START = 1;
}

static void case_far(void)
{
    *(volatile char *)(VT_GUARD_START - 1) = 1;
}

// A function with a 48 KiB local array that writes its first bytes: they
// lie below the stack region, where the heap ends if the guard gap is too
// small. (No call in here: its frame would lie lower still.)
static void __attribute__((noinline)) clash_array(void)
{
    volatile unsigned char big[CLASH_BYTES];
    // The array's address escapes (to an empty asm that may read all of
    // it), so the compiler must give the frame every byte of it: seeing
    // only the 64 writes below, link-time optimization shrank it to 64.
    __asm__ volatile("" : : "r"(big) : "memory");
    for (int i = 0; i < 64; i++) {
        big[i] = 0xcc;
    }
}

static void case_clash(void)
{
    // Grow the heap as far up as the kernel allows: the stack's start minus
    // one page, two pages, ... until sbrk succeeds.
    uintptr_t brk = (uintptr_t)sbrk(0);
    uintptr_t end = 0;
    for (uintptr_t gap = P; gap <= VT_USTACK_START - brk; gap += P) {
        if (sbrk((intptr_t)(VT_USTACK_START - gap - brk)) != (void *)-1) {
            end = VT_USTACK_START - gap;
            break;
        }
    }
    VT_CHECK(end != 0, "the heap cannot grow at all");
    VT_EXPECT_EQ(end, VT_GUARD_START, "the highest break sbrk allows");
    // The array reaches at most 48 KiB - 40 KiB (the stack region) and a
    // frame or two below the stack: within the heap's top CLASH_PAGES pages.
    volatile uint64_t *top = (volatile uint64_t *)(end - CLASH_PAGES * P);
    const int words = (int)(CLASH_PAGES * P / 8);
    for (int i = 0; i < words; i++) {
        top[i] = 0x5eedull + (uint64_t)i;
    }
    clash_array();
    for (int i = 0; i < words; i++) {
        VT_CHECK(top[i] == 0x5eedull + (uint64_t)i, "the stack wrote the heap at %p",
                 (void *)&top[i]);
    }
}

static const struct {
    const char *name;
    void (*run)(void);
    const char *killed;  // NULL: must exit 0
} cases[] = {
    {"reads", case_reads, NULL},
    {"writes", case_writes, NULL},
    {"recursion", case_recursion, NULL},
    {"guard", case_guard, "stack overflow"},
    {"unbounded", case_unbounded, "stack overflow"},
    {"jump", case_jump, "stack overflow"},
    {"gapbottom", case_gapbottom, "stack overflow"},
    {"far", case_far, "bad address"},
    {"clash", case_clash, "stack overflow"},
};
#define NUM_CASES (sizeof(cases) / sizeof(cases[0]))

// Runs "stacktest <case>" in a child; returns its exit status.
static int run_case(const char *name)
{
    int pid = fork();
    VT_CHECK(pid >= 0, "fork: %s", err_name(pid));
    if (pid == 0) {
        char *argv[] = {"stacktest", (char *)name, NULL};
        int err = exec("stacktest", argv);
        vt_fail("exec stacktest %s: %s", name, err_name(err));
    }
    int status;
    VT_EXPECT_EQ(wait(pid, &status), pid, "wait's pid");
    return status;
}

int main(int argc, char **argv)
{
    vt_init("stacktest", true);
    if (argc == 2) {
        for (size_t i = 0; i < NUM_CASES; i++) {
            if (strcmp(argv[1], cases[i].name) == 0) {
                cases[i].run();
                return 0;
            }
        }
        vt_fail("no case named %s", argv[1]);
    }

    // The parent's own stack must not grow between the two snapshots.
    vt_touch_read(VT_USTACK_START, VT_USTACK_TOP);
    struct osv_sysinfo s0, s1;
    vt_settle(&s0);
    for (size_t i = 0; i < NUM_CASES; i++) {
        if (cases[i].killed != NULL) {
            // Not the kernel's words, which the test's expected lines match.
            printf("%s: the kernel should end it, reason: %s\n", cases[i].name, cases[i].killed);
        }
        int status = run_case(cases[i].name);
        if (cases[i].killed == NULL) {
            VT_CHECK(status == 0, "case %s exited with status %d", cases[i].name, status);
        } else {
            VT_CHECK(status == EXIT_STATUS_KILLED, "case %s exited with status %d, not killed",
                     cases[i].name, status);
            printf("%s: ok (killed; the parent goes on)\n", cases[i].name);
        }
    }
    vt_settle(&s1);
    VT_EXPECT_EQ(s1.free_pages, s0.free_pages, "free pages after every child is reaped");
    return vt_pass();
}
