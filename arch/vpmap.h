#pragma once

// vpmap: the page tables of one address space.
//
// A vpmap maps virtual pages of the user half of an address space to physical
// pages, each with a permission (kernel/mm/memperm.h). The kernel half is the
// same in every vpmap: the kernel image and the direct map of all physical
// memory (arch/kmap.h), set up once at boot and shared, never changed through
// this interface.
//
// Every function here keeps the TLBs honest, on every CPU: when a mapping's
// frame or permission changes, or a mapping goes away, each CPU that has
// this vpmap loaded (vpmap_load) drops the stale translation before the
// function returns, the calling CPU with invlpg and the others in a
// cross-CPU call (a TLB shootdown), and before anything relies on the
// change: vpmap_unmap hands a page back to its caller, who may free it, only
// once no CPU can reach it any more. A CPU caches translations of the vpmap
// it has loaded only, so a vpmap that no CPU has loaded costs no flush at
// all. The pages one call changes are flushed together, in one round of
// calls (or one per TLB_BATCH_PAGES pages, arch/x86_64/tlb.h, when
// vpmap_unmap hands them back), and a round of more pages than that flushes
// the whole user half instead. Callers never flush by hand.
//
// Several CPUs: a round waits, interrupts off, for the other CPUs, which
// answer only with their interrupts on (arch/cpus.h). So no call here may be
// made holding a spinlock that a CPU with the vpmap loaded might be
// spinning for with interrupts off.
//
// Reference counts: vpmap never allocates the pages it maps, and never
// changes their reference counts (pmem_inc_refcnt / pmem_dec_refcnt): which
// mapping holds which reference is the address space's business
// (kernel/mm/vm.h). So the calls that take a mapping away tell the caller
// which page it was: vpmap_unmap calls back for each, vpmap_replace returns
// the page it replaced.
//
// Page-table pages: a vpmap's tables are pmem pages it allocates itself
// (refcount 1, never mapped into the user half): the root, from vpmap_create,
// and the tables below it, as vpmap_map and vpmap_cow_copy need them. Between
// calls a vpmap holds exactly the tables its mappings need, the root aside:
// the call that removes the last mapping under a table frees that table, and
// each table above it that this leaves empty, before it returns. Those calls
// are vpmap_unmap and the undo of a vpmap_map or vpmap_cow_copy that ran out
// of memory (which so leaves no table behind). The root stays until
// vpmap_destroy, which frees every table. vpmap_table_pages counts them, the
// root included, so that a process's page tables show in its accounting
// (sysinfo) and can be checked (kernel/mm/vm_check.h).
//
// Implementations: arch/x86_64/vpmap.c (4-level x86_64 page tables; runs on
// the bare machine and, against a host arena, in host tests) and
// testing/fake_vpmap.cc (a map, for judging the code above it against a page
// table known to be right). Both keep the same contract, checked by one test
// suite (testing/vpmap_contract.h), and both flush through
// arch/x86_64/tlb.h, which finds the CPUs to flush and counts the
// shootdowns (vpmap_shootdowns).
//
// Locking: a vpmap is not locked internally. Its owner (the address space,
// kernel/mm/vm.h) serializes all calls on one vpmap.
//
// Addresses passed in must be page-aligned and lie in the user half
// [0, VPMAP_USER_TOP); anything else is a kernel bug and panics.

#include <stddef.h>
#include <stdint.h>

#include "kernel/addr.h"
#include "kernel/err.h"
#include "kernel/mm/memperm.h"

#ifdef __cplusplus
extern "C" {
#endif

// End of the user half of every address space (exclusive).
#define VPMAP_USER_TOP 0x0000800000000000ull

struct vpmap;  // opaque

// Creates an empty address space's page tables (kernel half mapped). Returns
// ERR_OK and sets *out, or ERR_NOMEM (nothing allocated).
err_t vpmap_create(struct vpmap **out) MUST_CHECK;

// Frees all page-table pages, the root included. The pages still mapped are
// left alone: their references are the caller's to drop first
// (vpmap_for_each_mapping). No CPU may have `vpmap` loaded (a kernel bug:
// it panics); a CPU that switched away holds nothing of it.
void vpmap_destroy(struct vpmap *vpmap);

// How many page-table pages `vpmap` holds now, the root included (so at
// least 1). O(1): the vpmap keeps count as it allocates and frees them.
size_t vpmap_table_pages(struct vpmap *vpmap);

// Maps the n pages at vaddr to the n physical pages at paddr, with `perm`
// (which must include MEMPERM_USER). Allocates page-table pages as needed. The
// pages must not be mapped already (a kernel bug otherwise).
// Returns ERR_OK, or ERR_NOMEM when a page-table page cannot be allocated; then
// none of the n pages is mapped, and the table pages this call allocated are
// freed again: the tables are as they were.
err_t vpmap_map(struct vpmap *vpmap, vaddr_t vaddr, paddr_t paddr, size_t n,
                memperm_t perm) MUST_CHECK;

// What vpmap_for_each_mapping calls for each mapped page, and vpmap_unmap
// for each page it unmapped: its virtual address, the physical page it
// maps (mapped) to, and the mapping's permission.
typedef void vpmap_mapping_fn(void *ctx, vaddr_t vaddr, paddr_t paddr, memperm_t perm);

// Unmaps every mapped page among the n pages at vaddr; unmapped pages in the
// range are skipped. Flushes the TLBs for each page unmapped, then, unless
// `unmapped_fn` is NULL, calls unmapped_fn(ctx, vaddr, paddr, perm) for it
// (where the caller drops the mapping's reference; unmapped_fn must not
// change `vpmap`: the call is reading its tables), in ascending order, each
// page only once every CPU has dropped its translation. Frees each
// page-table page this leaves empty (never the root), also only once
// flushed. Returns how many pages were unmapped.
size_t vpmap_unmap(struct vpmap *vpmap, vaddr_t vaddr, size_t n, vpmap_mapping_fn *unmapped_fn,
                   void *ctx);

// Copy-on-write's last step: makes the page at vaddr, which must be mapped
// (a kernel bug otherwise), map `paddr` instead, with `perm` (which must
// include MEMPERM_USER), and flushes the TLB entry. Returns the page it
// mapped before. Allocates nothing and cannot fail: the page tables stay as
// they are. (vpmap_unmap then vpmap_map could fail: the unmap frees a table
// that held only this page, and the map needs one again.)
paddr_t vpmap_replace(struct vpmap *vpmap, vaddr_t vaddr, paddr_t paddr, memperm_t perm);

// Sets the permission of every mapped page among the n pages at vaddr to
// `perm`; unmapped pages are skipped. Flushes the TLBs for each page changed.
void vpmap_set_perm(struct vpmap *vpmap, vaddr_t vaddr, size_t n, memperm_t perm);

// Looks up the page containing vaddr. On ERR_OK sets *paddr to the physical
// address that vaddr translates to (page offset included) and, if perm is not
// NULL, *perm to the mapping's permission. Returns ERR_FAULT when vaddr is not
// mapped (or not in the user half).
err_t vpmap_lookup_vaddr(struct vpmap *vpmap, vaddr_t vaddr, paddr_t *paddr,
                         memperm_t *perm) MUST_CHECK;

// Calls fn(ctx, vaddr, paddr, perm) for every page mapped in the user half of
// `vpmap`, in ascending vaddr order. fn must not change `vpmap`. Visits every
// page-table page, so it is for whole-address-space work (an eager fork's
// copy, the checker in kernel/mm/vm_check.h), not for paths that run on
// every fault.
void vpmap_for_each_mapping(struct vpmap *vpmap, vpmap_mapping_fn *fn, void *ctx);

// What vpmap_for_each_table calls for each page-table page: its physical
// address.
typedef void vpmap_table_fn(void *ctx, paddr_t table);

// Calls fn(ctx, table) for every page-table page of `vpmap`, found by walking
// the tables from the root: the root first, then every table of the user
// half (the kernel half's tables are shared by all vpmaps and not theirs).
// So the calls number vpmap_table_pages(vpmap) unless the count is wrong,
// which is what the checker (kernel/mm/vm_check.h) looks for. fn must not
// change `vpmap`. Visits every table page, like vpmap_for_each_mapping.
void vpmap_for_each_table(struct vpmap *vpmap, vpmap_table_fn *fn, void *ctx);

// Fork's sharing step: for every page mapped in `src` among the n pages at
// vaddr, maps the same physical page at the same address in `dst` and sets
// the mapping in both to `perm` (the new mappings' references are the
// caller's to take: vpmap_for_each_mapping over dst). With a
// read-only `perm` over a writable region this is copy-on-write sharing; with
// the region's own read-only permission it is plain sharing. Flushes src's
// TLBs for every page whose permission changed, before it returns.
// Returns ERR_OK, or ERR_NOMEM when a page-table page for dst cannot be
// allocated; then everything mapped into dst by this call is unmapped again
// and the table pages it allocated for dst are freed,
// and src keeps the (possibly reduced) permissions,
// which is harmless: a write fault on such a page finds it unshared and makes
// it writable again in place. When many pages change, src's TLBs are flushed
// whole once instead of page by page.
err_t vpmap_cow_copy(struct vpmap *dst, struct vpmap *src, vaddr_t vaddr, size_t n,
                     memperm_t perm) MUST_CHECK;

// Invalidates every cached user-half translation of `vpmap` on every CPU
// that has it loaded, and returns once all have: one round of cross-CPU
// calls, if any other CPU has it. Cheaper than many single-page flushes.
void vpmap_flush_tlb_all(struct vpmap *vpmap);

// Invalidates any cached translation of the page at vaddr on every CPU that
// has `vpmap` loaded (the others hold none: loading a root drops the user
// half's TLB entries), and returns once all have.
void vpmap_flush_tlb(struct vpmap *vpmap, vaddr_t vaddr);

// TLB shootdowns since boot, over every vpmap: rounds of flushes that had
// to reach other CPUs (a flush that stays on the calling CPU is no
// shootdown), and how many cross-CPU calls those rounds made in all (one
// per CPU reached, an interrupt each). Counted by arch/x86_64/tlb.c.
struct vpmap_shootdowns {
    uint64_t rounds;
    uint64_t cpus_called;
};
struct vpmap_shootdowns vpmap_shootdowns(void);

// The kernel's own page table: the kernel half and an empty user half. It is
// active while no process runs (e.g. while an exiting process frees its own).
struct vpmap *vpmap_kernel(void);

// Makes `vpmap` the active address space of the calling CPU (loads its
// root; this also flushes every user-half translation), and records it
// there, so that flushes of `vpmap` reach this CPU until it loads another.
void vpmap_load(struct vpmap *vpmap);

#ifdef __cplusplus
}
#endif
