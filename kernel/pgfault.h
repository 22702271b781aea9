#pragma once

// The page-fault handler: where on-demand paging and copy-on-write happen.
//
// The architecture decodes a hardware page fault into four facts and calls
// handle_page_fault. The handler sorts the fault into one of these cases and
// returns a verdict; it never kills anything itself, so host tests can check
// each verdict directly (kernel/pgfault_test.cc). The trap code applies it:
// on FAULT_RESOLVED the faulting instruction runs again, on any other verdict
// the process dies with fault_reason(verdict) on the console.
//
//   fault                                              verdict
//   -----------------------------------------------    --------------------
//   user access at or above VPMAP_USER_TOP             FAULT_KERNEL_ADDRESS
//     (the kernel half; a non-canonical address never gets here from the
//     hardware, which raises a general protection fault instead, ending
//     the process as "general protection" at the instruction)
//   address in the stack guard gap (the USTACK_GUARD_  FAULT_STACK_OVERFLOW
//     PAGES pages below the stack, kernel/mm/vm.h)
//   address in no region, elsewhere                    FAULT_BAD_ADDRESS
//   page absent, access allowed by its region          demand-zero: a fresh
//     (heap, stack, bss: first touch)                    zeroed page is mapped
//   page absent, write to a read-only region           FAULT_PERMISSION
//   page present, write, region writable               copy-on-write: the
//     (the page is shared read-only since fork)          page is copied, or
//                                                        made writable in place
//                                                        if nobody else maps it
//   page present, write, region read-only (text)       FAULT_PERMISSION
//   page present, read or fetch (no-execute page)      FAULT_PERMISSION
//   no page available for demand-zero or a copy        FAULT_OUT_OF_MEMORY
//   kernel-mode fault                                  FAULT_KERNEL_BUG
//
// Kernel-mode faults: the kernel never touches user memory through user
// addresses. copyin/copyout (kernel/uaccess.h) translate each user page
// through the page table, serving absent and copy-on-write pages on the way
// with pgfault_resolve, exactly as a user fault would, and access it through
// the direct map. So a page fault in kernel mode is always a kernel bug.
//
// Counting: every user fault and every page copyin/copyout serves counts in
// the address space's stats and in vm_global_stats (kernel/mm/vm.h).

#include <stdbool.h>

#include "kernel/addr.h"
#include "kernel/mm/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

enum fault_verdict {
    FAULT_RESOLVED,        // served: retry the access
    FAULT_BAD_ADDRESS,     // outside every region
    FAULT_STACK_OVERFLOW,  // in the stack guard gap, just below the stack region
    FAULT_PERMISSION,      // the region does not allow this access
    FAULT_KERNEL_ADDRESS,  // at or above VPMAP_USER_TOP: the kernel's, never the user's
    FAULT_OUT_OF_MEMORY,   // needed a page, and none was free
    FAULT_KERNEL_BUG,      // a kernel-mode fault: the kernel must panic
};

// One line for the console: "stack overflow", "out of memory", ...
const char *fault_reason(enum fault_verdict verdict);

// Classifies and, where possible, serves a page fault of the current process
// (as_current()) at fault_addr. present: the page was mapped (a protection
// violation) rather than absent; write: the access was a write; user: it
// came from user mode.
enum fault_verdict handle_page_fault(vaddr_t fault_addr, bool present, bool write, bool user);

// The same for a user-mode access in address space `as`, without the
// user/kernel distinction: what handle_page_fault does for user faults, and
// what copyin/copyout call for a page they find absent or read-only.
enum fault_verdict pgfault_resolve(struct addrspace *as, vaddr_t fault_addr, bool present,
                                   bool write);

#ifdef __cplusplus
}
#endif
