// vmtest: see vmtest.h.

#include "userland/tests/vm/vmtest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

// Where exec loads programs (userland/user.ld): text, rodata and data
// follow each other page after page up to the heap start.
#define PROGRAM_START 0x400000ul

static const char *name = "vmtest";
static uintptr_t heap_start;

void vt_init(const char *program, bool grow_stack_lazily)
{
    name = program;
    heap_start = (uintptr_t)sbrk(0);
    VT_CHECK(heap_start % VT_PAGE == 0, "the break 0x%lx is not at a page boundary", heap_start);
    // Every page of the program, so that bss pages not touched yet are
    // mapped now: the rest are mapped already, and reading them costs nothing.
    vt_touch_read(PROGRAM_START, heap_start);
    if (!grow_stack_lazily) {
        vt_touch_read(VT_USTACK_START, VT_USTACK_TOP);
    }
}

const char *vt_name(void)
{
    return name;
}

uintptr_t vt_heap_start(void)
{
    return heap_start;
}

void vt_fail(const char *format, ...)
{
    fflush(stdout);
    fprintf(stderr, "%s: FAIL: ", name);
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\n");
    exit(1);
}

int vt_pass(void)
{
    printf("%s: PASS\n", name);
    return 0;
}

void vt_sysinfo(struct osv_sysinfo *info)
{
    int err = sysinfo(info);
    VT_CHECK(err == 0, "sysinfo: %s", err_name(err));
}

void vt_settle(struct osv_sysinfo *info)
{
    vt_sysinfo(info);
    vt_sysinfo(info);
}

void vt_print_meminfo(const char *title, const struct osv_sysinfo *info)
{
    printf("--- %s\n", title);
    sysinfo_print(info);
}

uintptr_t vt_sbrk(intptr_t increment)
{
    void *old = sbrk(increment);
    VT_CHECK(old != (void *)-1, "sbrk(%ld) failed", (long)increment);
    return (uintptr_t)old;
}

void vt_touch_write(uintptr_t lo, uintptr_t hi)
{
    for (uintptr_t va = lo; va < hi; va += VT_PAGE) {
        volatile char *p = (volatile char *)va;
        *p = *p;
    }
}

void vt_touch_read(uintptr_t lo, uintptr_t hi)
{
    for (uintptr_t va = lo; va < hi; va += VT_PAGE) {
        (void)*(volatile char *)va;
    }
}

int vt_run_child(void (*fn)(void *), void *arg)
{
    int pid = fork();
    VT_CHECK(pid >= 0, "fork: %s", err_name(pid));
    if (pid == 0) {
        fn(arg);
        exit(0);
    }
    int status;
    int waited = wait(pid, &status);
    VT_CHECK(waited == pid, "wait(%d) returned %d", pid, waited);
    return status;
}

void vt_expect_killed(const char *reason, void (*fn)(void *), void *arg)
{
    // Not the kernel's own words ("killed: <reason>"): a test expecting
    // those must find the kernel's line, not this announcement.
    printf("%s: the kernel should end the next child, reason: %s\n", name, reason);
    int status = vt_run_child(fn, arg);
    VT_CHECK(status == EXIT_STATUS_KILLED,
             "a child that should have been killed (%s) exited with status %d", reason, status);
}

static uint64_t chunk_of(uintptr_t addr)
{
    return addr / VT_PT_SPAN;
}

void vt_pts_init(struct vt_pts *pts)
{
    *pts = (struct vt_pts){.gibs = 1};  // the first GiB's directory: made by exec
    for (uintptr_t a = PROGRAM_START; a < heap_start; a += VT_PT_SPAN) {
        vt_pts_add(pts, a);
    }
    vt_pts_add(pts, heap_start - 1);
}

int vt_pts_add(struct vt_pts *pts, uintptr_t addr)
{
    if (chunk_of(addr) == chunk_of(VT_USTACK_START)) {
        return 0;  // the stack's table: made by exec
    }
    if (addr >= VT_PTS_LIMIT) {
        vt_fail("0x%lx is outside the first 4 GiB and the stack's 2 MiB: vt_pts cannot track it",
                addr);
    }
    int made = 0;
    uint64_t gib = 1ul << (addr >> 30);
    if (!(pts->gibs & gib)) {
        pts->gibs |= gib;
        made++;
    }
    uint64_t chunk = chunk_of(addr);
    uint64_t bit = 1ul << (chunk % 64);
    if (!(pts->chunks[chunk / 64] & bit)) {
        pts->chunks[chunk / 64] |= bit;
        made++;
    }
    return made;
}

int vt_pts_add_range(struct vt_pts *pts, uintptr_t lo, uintptr_t hi)
{
    int made = 0;
    for (uintptr_t a = lo; a < hi; a += VT_PAGE) {
        made += vt_pts_add(pts, a);
    }
    return made;
}

// Table pages vt_pts knows of: a bit each.
static int pts_tables(const struct vt_pts *pts)
{
    int tables = __builtin_popcountl(pts->gibs);
    for (size_t i = 0; i < sizeof(pts->chunks) / sizeof(pts->chunks[0]); i++) {
        tables += __builtin_popcountl(pts->chunks[i]);
    }
    return tables;
}

int vt_pts_heap_emptied(struct vt_pts *pts)
{
    int before = pts_tables(pts);
    vt_pts_init(pts);
    return before - pts_tables(pts);
}

uint64_t vt_fork_table_pages(uint64_t mapped_chunks)
{
    // PML4, then a PDPT and a PD for the first GiB and for the stack's GiB
    // (PML4 entries 0 and 255).
    return 1 + 2 + 2 + mapped_chunks;
}

uint64_t vt_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dul;
}
