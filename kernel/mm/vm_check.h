#pragma once

// vm_check: the invariant checker for address spaces and physical pages.
//
// vm_check() looks at every live address space (the registry in
// kernel/mm/vm.h), every mapping in their page tables
// (vpmap_for_each_mapping) and pmem's own books (pmem_take_census), and
// checks what DESIGN.md promises:
//
//   1. pmem adds up: free + allocated == total, and the free list holds
//      exactly the pages whose refcount is 0;
//   2. every mapped page is a page pmem manages, and is allocated, never free;
//   3. every mapped page's refcount equals the number of mappings of it
//      across all live address spaces;
//   4. every mapping lies inside a region of its address space and has no
//      more permission than the region (memperm_allows);
//   5. a page mapped more than once (shared by fork) is writable in none of
//      its mappings: copy-on-write pages are read-only;
//   6. each address space's pages_mapped equals its number of mappings;
//   7. each address space's regions are page-aligned, sorted and disjoint,
//      and its break lies inside its heap;
//   8. each address space's count of page-table pages (vpmap_table_pages,
//      what sysinfo reports) equals the number a walk of its tables finds
//      (vpmap_for_each_table).
//
// What it cannot see: an allocated page that nothing maps and nobody owns
// (a leak), since pmem cannot tell it from a page-table or heap page. Host
// tests close that gap by accounting for every allocated page (the vm
// fuzzer: mapped pages + page-table pages found by the walk +
// kmalloc_pages_held() + the checker's own pages == allocated).
//
// Each violation is one console line (kprintf), starting "vmcheck: " and
// naming the address space, virtual address, physical page, permissions and
// counts involved.
//
// Memory: counting the mappings of each page needs a counter per page.
// vm_check_setup takes them from pmem once (2 bytes per page of pmem's span:
// 64 pages per GiB, plus a directory page) and keeps them until
// vm_check_teardown, so a check never allocates and works with memory
// exhausted. It covers a span of up to VM_CHECK_MAX_PAGES pages (4 GiB).
//
// When a check is exact: the counts it compares change in several steps
// inside vm.c, pgfault.c and vpmap (fork takes references page by page and
// sets pages_mapped at the end; a shrink unmaps, then lowers pages_mapped).
// So a check is exact only where no thread is part way through changing an
// address space. On the host that is every point between calls. In the
// kernel it is a rest point: a thread about to return to user mode has
// nothing half done, nor has the idle loop, and every other thread is at
// rest too unless it runs kernel code on another CPU or was preempted while
// running kernel code (a thread that sleeps never does so in the middle of
// such a change: none of them sleeps). The scheduler (kernel/sched.c,
// sched_rest_point) finds such points two ways:
//   - the other CPUs, if any, all run their idle threads and no thread was
//     preempted in kernel code: it checks at once (VM_CHECK_OTHERS_IDLE);
//   - under load, when other CPUs run threads: now and then (a rate limit,
//     see sched.c) it stops them by a rendezvous (kernel/rendezvous.h).
//     Each, interrupted, parks if it was in user mode or its idle loop; if
//     any was in kernel code instead (or did not answer in time), or a
//     thread was preempted there, the rendezvous fails and the rest point
//     is skipped; if all parked, it checks while they wait
//     (VM_CHECK_OTHERS_PARKED), then lets them go.
// Rest points where neither holds are skipped and counted. A rendezvous
// stops a CPU only where it already rests, never holds one back from a
// change to make a point exact, and changes no preemption: what is checked
// is the kernel as it runs, stopped for a moment where it rests.

// Locking: vm_check holds its own spinlock (its counters) and, while it
// walks them, the registry's (kernel/mm/vm.h): it must not be called with
// the registry's lock held.
//
// The kernel option: the word `vmcheck` on the kernel command line makes
// vm_check_boot() set the checker up; the kernel then checks at rest points
// (every return to user mode from a system call or a page fault, and the
// idle loop: vm_check_at_rest, as above), and panics on any violation.
// Without the option both return at once.

#include <stdbool.h>
#include <stddef.h>

#include "kernel/err.h"
#include "kernel/mm/pmem.h"
#include "kernel/mm/pmem_census.h"

#ifdef __cplusplus
extern "C" {
#endif

// Largest pmem span (pmem_page_index_limit()) the counters cover.
#define VM_CHECK_MAX_PAGES ((size_t)1 << 20)

// What one check found, besides its printed violations.
struct vm_check_summary {
    size_t violations;      // also vm_check's result
    size_t address_spaces;  // live address spaces checked
    size_t mappings;        // mappings in all of them
    size_t mapped_pages;    // distinct physical pages mapped
    size_t shared_pages;    // of those, pages mapped more than once
    size_t table_pages;     // page-table pages a walk of their tables finds, roots included
    size_t scratch_pages;   // pages vm_check_setup holds (allocated, never mapped)
    struct pmem_census pmem;
};

// Takes the counter pages from pmem. Call after pmem_init; again only after
// vm_check_teardown. Errors: ERR_NOMEM; ERR_INVAL when pmem's span exceeds
// VM_CHECK_MAX_PAGES.
err_t vm_check_setup(void) MUST_CHECK;

// Gives the counter pages back. Harmless when not set up.
void vm_check_teardown(void);

// True between vm_check_setup and vm_check_teardown.
bool vm_check_enabled(void);

// Checks everything listed above, prints each violation, fills *summary (if
// not NULL) and returns the number of violations. The checker must be set
// up (a kernel bug otherwise).
size_t vm_check(struct vm_check_summary *summary);

// At boot, after cmdline_init and pmem_init: if the command line has the
// word `vmcheck`, sets the checker up, checks once (pmem's books, as no
// address space exists yet) and says so on the console. Panics if it cannot
// set up or the check finds anything.
void vm_check_boot(void);

// If the checker is set up: checks, and panics naming `where` ("page fault",
// "fork", ...) when there is any violation (each is printed first).
// Otherwise returns at once.
void vm_check_or_panic(const char *where);

// What a rest point knows about the threads other than the caller.
enum vm_check_others {
    // None is part way through kernel code: none was preempted there, and
    // every other CPU, if there is any, runs its idle thread.
    VM_CHECK_OTHERS_IDLE,
    // The same, though the other CPUs run threads: a rendezvous stopped each
    // where it was at rest (in user mode or its idle loop), and they wait
    // until the caller is done.
    VM_CHECK_OTHERS_PARKED,
    // Some other thread may be part way through kernel code, and no
    // rendezvous was tried (one was under way, or it was not yet time).
    VM_CHECK_OTHERS_BUSY,
    // A rendezvous was tried and found another CPU in kernel code, or a
    // thread preempted there.
    VM_CHECK_RENDEZVOUS_FAILED,
};

// A rest point: the calling thread has nothing half done (it is about to
// return to user mode, or it is the idle loop), and `others` says what the
// scheduler knows of the others. If the checker is set up and others is
// VM_CHECK_OTHERS_IDLE or VM_CHECK_OTHERS_PARKED, checks as
// vm_check_or_panic(where) does, provided anything may have changed since
// the last check (a rest point was skipped since, or one of the figures
// that every change moves differs: free pages, address spaces, faults
// served, pages shared by fork, and the pages mapped, page tables and break
// summed over address spaces), so that a program busy with system calls
// that touch no memory, or an idle machine, is not checked over and over.
// (The panic message then says if the other CPUs were parked.) Otherwise
// counts a skipped check. With the checker off returns at once.
// Takes the checker's lock and the registry's: call with neither held.
void vm_check_at_rest(const char *where, enum vm_check_others others);

// Rest points checked and skipped since the checker was set up (zero while
// it is not).
struct vm_check_rest_counts {
    size_t checked_idle;       // checked with the other CPUs idle (or none)
    size_t checked_parked;     // checked with the other CPUs parked by a rendezvous
    size_t skipped;            // not checked: another thread may have been busy
    size_t rendezvous_failed;  // of those skipped, after a rendezvous that failed
};
struct vm_check_rest_counts vm_check_rest_counts(void);

#ifdef __cplusplus
}
#endif
