#pragma once

// vm_view: an address space described for people and programs.
//
// vm_view_describe turns an address space (kernel/mm/vm.h) into the records
// of the vmmap system call (struct osv_vmmap_entry, kernel/syscall_abi.h):
// each region with how many of its pages are mapped, and optionally each
// mapped page with its frame, its permission as mapped, the frame's
// reference count and what that makes it (private, shared, copy-on-write
// shared, copy-on-write last sharer). vm_view_report_fault prints a few of
// those lines when a process dies of a page fault, so that the console shows
// why without a debugger.
//
// It only reads: the regions, the page table (vpmap_for_each_mapping and
// vpmap_lookup_vaddr) and each mapped frame's refcount (pmem_refcount). It
// never allocates and never sleeps, so it may run with spinlocks held.
//
// Locking: the caller keeps `as` alive and unchanged while it runs. The
// owner's own thread may call it freely (only that thread changes its
// address space); anyone else holds what keeps the owner from running, as
// proc_with_addrspace (kernel/proc.h) does. Refcounts of frames shared with
// other processes can change meanwhile: each is read once, under pmem's lock.

#include <stddef.h>
#include <stdint.h>

#include "kernel/addr.h"
#include "kernel/err.h"
#include "kernel/mm/vm.h"
#include "kernel/syscall_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

// Where vm_view_describe puts record `index`: a pointer to storage for it,
// or NULL to only count it (past the caller's capacity). Called once per
// record, with index 0, 1, 2, ... in that order; the storage must stay valid
// until vm_view_describe returns (a region's record is completed, its page
// count, after its pages' records are asked for).
typedef struct osv_vmmap_entry *vm_view_slot_fn(void *ctx, size_t index);

// Describes `as` as vmmap does (kernel/syscall_abi.h: the records, their
// order, OSV_VMMAP_PAGES in flags for the page records; other bits of flags
// are ignored) and returns the number of records. Each record goes where
// slot(ctx, index) says.
size_t vm_view_describe(struct addrspace *as, uint32_t flags, vm_view_slot_fn *slot, void *ctx);

// The page record (OSV_VMMAP_PAGE) of the page containing addr, as
// vm_view_describe would give it. ERR_FAULT when that page is not mapped
// (*out untouched).
err_t vm_view_page(struct addrspace *as, vaddr_t addr, struct osv_vmmap_entry *out) MUST_CHECK;

// Lines vm_view_report_fault prints at most.
#define VM_VIEW_REPORT_MAX_LINES 14

// What the console gets after the line of a process killed by a page fault
// at addr: its regions (up to 9; of more, the first 8 and a line saying how
// many more), then, when addr is in the user half, the 5 pages around
// it (the faulting page marked "<- fault"), each mapped page as vmmap -p
// shows it, else "not mapped" and the region it lies in. Two leading
// spaces on every line:
//
//   region 0x400000-0x402000 r-x code 2/2 pages
//   ...
//   page 0x801000 r-- refs 2 cow-shared -> frame 0x1f3000
//   page 0x802000 not mapped, in no region <- fault
//
// At most VM_VIEW_REPORT_MAX_LINES lines, through kprintf.
void vm_view_report_fault(struct addrspace *as, vaddr_t addr);

#ifdef __cplusplus
}
#endif
