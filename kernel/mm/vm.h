#pragma once

// Address spaces and memory regions: what a process may touch.
//
// An address space (struct addrspace) is a page table (struct vpmap) plus a
// sorted list of non-overlapping memory regions. A region is a page-aligned
// range [start, end) with a permission and a kind:
//
//   0x400000  +-------------+  code (URX) and data (URW/UR) from the ELF file,
//             | code, data  |  loaded by exec
//             +-------------+  <- heap start: right after the data
//             | heap  (URW) |  grows and shrinks with sbrk; pages appear on
//             +-------------+  first touch (demand-zero)
//             |     ...     |
//             +- - - - - - -+  <- stack start - guard gap (1 MiB): no region
//             | guard gap   |     may ever enter it; any access is a stack
//             +- - - - - - -+     overflow
//             | stack (URW) |  USTACK_PAGES pages below USTACK_UPPERBOUND;
//             +-------------+  one mapped by exec, the rest on demand
//             USTACK_UPPERBOUND
//
// The region holds the truth about what is allowed; the page table only
// caches it. A page of a region may be absent (not touched yet: demand-zero)
// or mapped with less than the region's permission (shared copy-on-write
// after fork: mapped read-only in a writable region). The page-fault handler
// (kernel/pgfault.h) reconciles the two.
//
// Reference counts: every mapping of a page holds one reference to it (pmem
// refcount), so a page shared by k address spaces has refcount k. The page
// tables (arch/vpmap.h) never change a reference count; the functions here
// do, each where it makes or removes mappings: as_map_page (a fresh page,
// refcount 1), as_copy (one more per shared page), as_replace_page (the old
// page's dropped), and sbrk's shrink and as_destroy (each unmapped page's
// dropped).
//
// Locking: an address space belongs to one process, and `lock` (a sleep
// lock) guards its contents: the regions, the break, the page table, the
// counts. Whoever changes it or reads it holds the lock: the page-fault path
// (arch/x86_64/trap.c), copyin/copyout for each page (kernel/uaccess.c),
// sbrk and fork (kernel/sys_proc.c, around as_sbrk and proc_fork), and a
// process describing another's (proc_with_addrspace, kernel/proc.h). The
// functions here do not take it: their callers do, which keeps a fault or a
// fork one critical section. The exceptions hold no lock because nobody
// else can reach the address space: one being built (as_create and what
// follows, before any thread runs on it: exec, fork's child) and one being
// destroyed (as_destroy, once its process's threads are gone and no reader
// holds it: `readers`, which kernel/proc.c keeps under its own lock).
//
// Lock order: the address space's lock before pmem's, the registry's and
// kmalloc's. Holding it, never touch user memory (copyin/copyout take it:
// a sleep lock taken twice panics) and never wait for another address
// space's lock.
//
// The registry: every address space from as_create until as_destroy is on
// one list of live address spaces, so that a checker (kernel/mm/vm_check.h)
// can look at all of them. A spinlock protects the list (its links in struct
// addrspace); as_create and as_destroy take it, and as_for_each holds it
// while it runs.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/vpmap.h"
#include "kernel/addr.h"
#include "kernel/err.h"
#include "kernel/mm/memperm.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/user_layout.h"

#ifdef __cplusplus
extern "C" {
#endif

// The layout constants (USTACK_UPPERBOUND, USTACK_PAGES, USTACK_GUARD_PAGES,
// USER_REGION_MIN) are part of the contract with user programs, which see
// the same layout: they live in kernel/user_layout.h, with their rules.

enum memregion_kind {
    MEMREGION_CODE,
    MEMREGION_DATA,
    MEMREGION_HEAP,
    MEMREGION_STACK,
};

struct addrspace;

struct memregion {
    vaddr_t start;  // page-aligned
    vaddr_t end;    // page-aligned, exclusive; == start for an empty heap
    memperm_t perm;
    enum memregion_kind kind;
    struct addrspace *as;
    struct memregion *next;  // the next region up
};

// Page-fault and sharing counts (see struct osv_sysinfo for what each means).
struct vm_stats {
    uint64_t page_faults;
    uint64_t demand_zero_faults;
    uint64_t cow_faults;
    uint64_t cow_copies;
    uint64_t cow_reused;
    uint64_t pages_shared;
};

struct addrspace {
    struct vpmap *vpmap;
    struct memregion *regions;  // sorted by start, non-overlapping
    struct memregion *heap;     // NULL until as_map_heap
    struct memregion *stack;    // NULL until as_map_stack
    vaddr_t brk;                // the program break: heap->start <= brk <= heap->end
    uint64_t pages_mapped;      // user pages the vpmap maps now
    struct vm_stats stats;      // since this address space was created
    struct sleeplock lock;      // guards all of the above (see Locking)
    int readers;                // threads of other processes about to read it, or
                                // reading it (kernel/proc.c, under its lock)

    // The registry's lock protects these.
    struct addrspace *live_prev;
    struct addrspace *live_next;
};

// Counts summed over every address space since boot.
extern struct vm_stats vm_global_stats;

// The address space of the running process. (Defined by the process code
// on the machine, kernel/proc.c, and by the test fixture on the host.)
struct addrspace *as_current(void);

// Creates an empty address space and adds it to the registry. ERR_NOMEM.
err_t as_create(struct addrspace **out) MUST_CHECK;

// Takes `as` off the registry, unmaps every page (dropping its reference),
// frees the regions and the page table. `as` must not be the active address
// space.
void as_destroy(struct addrspace *as);

// Calls fn(as, ctx) for every live address space (created, not yet
// destroyed), oldest first, holding the registry's spinlock: fn must not
// sleep, create or destroy an address space, or call as_for_each. It sees
// each address space as its owner left it, so what it reads is consistent
// only if no owner is part way through changing one (see vm_check.h).
void as_for_each(void (*fn)(struct addrspace *as, void *ctx), void *ctx);

// How many address spaces are live (for leak checks).
size_t as_live_count(void);

// Adds the region [start, start + size) with perm and kind, without mapping
// anything. start and size must be page-aligned; size may be 0 only for the
// heap. On ERR_OK sets *out (if not NULL). Errors:
//   ERR_INVAL       unaligned, or empty for a kind other than the heap;
//   ERR_VM_BOUND    wraps around, or outside [USER_REGION_MIN, USTACK_UPPERBOUND);
//   ERR_VM_OVERLAP  overlaps a region or the guard below the stack;
//   ERR_NOMEM       no memory for the region record.
err_t as_map_memregion(struct addrspace *as, vaddr_t start, size_t size, memperm_t perm,
                       enum memregion_kind kind, struct memregion **out) MUST_CHECK;

// The region containing addr, or NULL.
struct memregion *as_find_memregion(struct addrspace *as, vaddr_t addr);

// Adds the stack region (USTACK_PAGES pages below USTACK_UPPERBOUND) and maps
// its top page, zeroed. Errors as as_map_memregion, ERR_NOMEM for the page.
err_t as_map_stack(struct addrspace *as) MUST_CHECK;

// Adds the empty heap region at `start` (page-aligned) and sets the break
// there. Errors as as_map_memregion.
err_t as_map_heap(struct addrspace *as, vaddr_t start) MUST_CHECK;

// Moves the end of region r to new_end (page-aligned). Growing maps nothing
// (pages come on demand) and fails with ERR_VM_OVERLAP if it would reach the
// next region or the stack guard gap, ERR_VM_BOUND past USTACK_UPPERBOUND.
// Shrinking unmaps every page above new_end, dropping its reference and
// flushing the TLB, and frees the page tables that leaves empty; new_end
// below r->start is ERR_INVAL. Nothing changes on error.
err_t memregion_extend(struct memregion *r, vaddr_t new_end) MUST_CHECK;

// sbrk: moves the break by `increment` bytes and sets *old_brk to the break
// before. increment 0 only reports it. A decrease unmaps and frees every
// page wholly above the new break (and the page tables that leaves empty:
// arch/vpmap.h); a decrease past the heap start changes
// nothing (as sbrk(0)). Errors, with nothing changed: ERR_NOMEM when growth
// would overlap another region or the stack guard gap, or leave the user
// half.
err_t as_sbrk(struct addrspace *as, int64_t increment, vaddr_t *old_brk) MUST_CHECK;

// Creates *out with src's regions (the heap and the stack among them) and
// break, mapping nothing: what every kind of fork starts from. ERR_NOMEM,
// with nothing left behind.
err_t as_copy_layout(struct addrspace *src, struct addrspace **out) MUST_CHECK;

// fork: creates *out with the same regions as src, sharing every mapped
// page: pages of writable regions become read-only in both (copy-on-write),
// pages of read-only regions are shared as they are; each shared page gains
// a reference. ERR_NOMEM when memory for tables or regions runs out: then
// everything taken for the child is released, and src is unchanged except
// that some of its writable pages may now be mapped read-only, which its
// next write to each resolves in place. (kernel/mm/vm_eager.h has a fork
// that copies every page at once, for comparison.)
err_t as_copy(struct addrspace *src, struct addrspace **out) MUST_CHECK;

// Maps a fresh page at the page containing addr, which must lie in a region
// of `as` and not be mapped yet, with the region's permission. The page's
// first `len` bytes (len <= PAGE_SIZE) are copied from `src`, the rest are
// zero. ERR_NOMEM, with nothing changed.
err_t as_map_page(struct addrspace *as, vaddr_t addr, const void *src, size_t len) MUST_CHECK;

// as_map_page of a page of zeros: what a first touch of the heap, the stack
// or bss gets.
err_t as_map_zero_page(struct addrspace *as, vaddr_t addr) MUST_CHECK;

// Copy-on-write's last step: maps `page` at the page containing addr, which
// must be mapped, in place of the page there, with `perm`, and drops the
// reference the old mapping held. The caller hands over one reference to
// `page` (a fresh copy's). Cannot fail (arch/vpmap.h, vpmap_replace).
void as_replace_page(struct addrspace *as, vaddr_t addr, paddr_t page, memperm_t perm);

#ifdef __cplusplus
}
#endif
