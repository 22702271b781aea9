#pragma once

// vmtest: what the address-space test programs of this directory share.
//
// Every program checks one behaviour of osv's memory management (kernel/mm/vm.h,
// kernel/pgfault.h) from user space, counting pages with sysinfo (struct
// osv_sysinfo). The rules that make exact page counts possible:
//
//  - Nothing maps or frees a user page behind a program's back: between two
//    sysinfo calls free_pages changes only by what the program's own faults,
//    system calls, forks and reaped children did. (kmalloc's slab pages can
//    come and go with kernel objects: pipes, processes. Checks that span
//    those say so and allow for it.)
//  - The program's own stack and bss must not grow between two snapshots, or
//    the growth shows up in the counts: vt_init maps every stack page and
//    every bss page once, before anything is measured (reading is enough:
//    a read fault maps a zeroed page with the region's permission). Only
//    stacktest, which tests exactly that growth, does without.
//  - After fork the stack is shared copy-on-write. A child's first writes to
//    it copy pages; a snapshot taken right after fork includes them. Exact
//    checks in a child compare two snapshots taken at the same call depth
//    after a first settling one (vt_settle).
//  - Page tables: a last-level table covers VT_PT_SPAN (2 MiB), a page
//    directory 1 GiB, and the kernel holds exactly the tables the mapped
//    pages need (arch/vpmap.h): touching a page costs the page, plus a table
//    when its 2 MiB has none yet, plus a page directory when its GiB has
//    none; unmapping the last page under a table (sbrk(-n)) frees the table,
//    and the directory with its last table. sysinfo counts them
//    (proc_table_pages). These programs map user pages only in the first
//    4 GiB (text, data, heap) and in the stack's 2 MiB. The tables of the
//    stack's 2 MiB, of the first GiB and of the 2 MiB spans holding text and
//    data stay as long as the process. struct vt_pts keeps track of the
//    others, which the heap's pages make: they all go when the heap is empty
//    again (vt_pts_heap_emptied).
//
// Failures are fatal: vt_fail prints "<name>: FAIL: <why>" and exits 1 (in a
// child too; the parent then sees status 1 and fails in turn).

#include <osv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_PAGE    4096ul
#define VT_PT_SPAN (2ul * 1024 * 1024)

// Where the user stack lives (kernel/syscall_abi.h: USTACK_UPPERBOUND,
// USTACK_PAGES, USTACK_GUARD_PAGES).
#define VT_USTACK_TOP   ((uintptr_t)USTACK_UPPERBOUND)
#define VT_USTACK_PAGES ((uintptr_t)USTACK_PAGES)
#define VT_USTACK_START (VT_USTACK_TOP - VT_USTACK_PAGES * VT_PAGE)
// The bottom of the stack guard gap: the heap may grow up to here, not
// beyond; every access from here up to the stack is a stack overflow.
#define VT_GUARD_START  (VT_USTACK_START - USTACK_GUARD_PAGES * VT_PAGE)
// Start of the kernel half (arch/vpmap.h: VPMAP_USER_TOP is the end of the
// user half; the kernel image lives at the top, -2 GiB).
#define VT_KERNEL_ADDR  0xffffffff80000000ul

// Names the program for messages and fixes the heap start (the break before
// anything moved it). Maps every bss page, and every stack page unless
// `grow_stack_lazily`. Call it first thing in main.
void vt_init(const char *name, bool grow_stack_lazily);

// The program's name, as given to vt_init.
const char *vt_name(void);

// The break when the program started: the start of the heap region.
uintptr_t vt_heap_start(void);

_Noreturn void vt_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

#define VT_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            vt_fail(__VA_ARGS__);                                                                  \
        }                                                                                          \
    } while (0)

// Fails unless actual == expected, naming both.
#define VT_EXPECT_EQ(actual, expected, what)                                                       \
    do {                                                                                           \
        int64_t vt_a_ = (int64_t)(actual), vt_e_ = (int64_t)(expected);                            \
        if (vt_a_ != vt_e_) {                                                                      \
            vt_fail("%s: got %ld, expected %ld", (what), vt_a_, vt_e_);                            \
        }                                                                                          \
    } while (0)

// Prints "<name>: PASS" and returns 0, for `return vt_pass();` in main.
int vt_pass(void);

// sysinfo, failing the test if the call fails.
void vt_sysinfo(struct osv_sysinfo *info);

// Two sysinfo calls, the second into *info: the first may copy the page
// that holds *info (copy-on-write after fork); the second then measures a
// settled state.
void vt_settle(struct osv_sysinfo *info);

// Prints every field as the meminfo program does ("free_pages   31020"),
// under a title line.
void vt_print_meminfo(const char *title, const struct osv_sysinfo *info);

// sbrk that fails the test when sbrk fails.
uintptr_t vt_sbrk(intptr_t increment);

// Reads and writes one byte of every page in [lo, hi) (page-aligned bounds):
// maps absent pages and makes copy-on-write ones private.
void vt_touch_write(uintptr_t lo, uintptr_t hi);
// Reads one byte of every page in [lo, hi): maps absent pages.
void vt_touch_read(uintptr_t lo, uintptr_t hi);

// Runs fn(arg) in a child that then exits 0; returns the child's exit status.
int vt_run_child(void (*fn)(void *), void *arg);

// Runs fn(arg) in a child that must be killed by the kernel: announces the
// reason it expects (the kernel prints "killed: <reason>" itself; the
// announcement is worded differently, so that a test's expected lines match
// only the kernel's), fails unless wait reports EXIT_STATUS_KILLED.
void vt_expect_killed(const char *reason, void (*fn)(void *), void *arg);

// Page tables present: see the top of this file.
#define VT_PTS_LIMIT (4ul << 30)
struct vt_pts {
    uint64_t chunks[VT_PTS_LIMIT / VT_PT_SPAN / 64];  // one bit per 2 MiB
    uint64_t gibs;                                    // one bit per GiB
};

// Starts tracking with the tables exec made: text, data (through the heap
// start) and the stack's.
void vt_pts_init(struct vt_pts *pts);

// Notes that the page at addr is (about to be) mapped. Returns the number
// of table pages that creates: 0 (they exist), 1 (a table) or 2 (a table
// and a page directory).
int vt_pts_add(struct vt_pts *pts, uintptr_t addr);

// vt_pts_add for every page in [lo, hi) (page-aligned); returns tables made.
int vt_pts_add_range(struct vt_pts *pts, uintptr_t lo, uintptr_t hi);

// Notes that the heap is empty again (the break back at its start, every
// heap page given back): the tables its pages made are gone with them.
// Returns how many table pages that freed; tracking starts over as after
// vt_pts_init.
int vt_pts_heap_emptied(struct vt_pts *pts);

// Pages a fork of this process allocates for the child's page tables:
// the root, the upper levels for the first GiB and for the stack, and one
// table per 2 MiB that maps a page now. `mapped_chunks` is that last count.
uint64_t vt_fork_table_pages(uint64_t mapped_chunks);

// A small deterministic generator (xorshift64*), for random orders.
uint64_t vt_rand(uint64_t *state);

static inline uintptr_t vt_pg_round_up(uintptr_t a)
{
    return (a + VT_PAGE - 1) & ~(uintptr_t)(VT_PAGE - 1);
}

static inline uintptr_t vt_pg_round_down(uintptr_t a)
{
    return a & ~(uintptr_t)(VT_PAGE - 1);
}
