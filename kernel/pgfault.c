// The page-fault handler (see kernel/pgfault.h for the cases).

#include "kernel/pgfault.h"

#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/lib/string.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"

const char *fault_reason(enum fault_verdict verdict)
{
    switch (verdict) {
    case FAULT_RESOLVED:
        return "resolved";
    case FAULT_BAD_ADDRESS:
        return "bad address (outside every memory region)";
    case FAULT_STACK_OVERFLOW:
        return "stack overflow";
    case FAULT_PERMISSION:
        return "access not permitted (write to read-only memory or execute non-code)";
    case FAULT_KERNEL_ADDRESS:
        return "user access to a kernel address";
    case FAULT_OUT_OF_MEMORY:
        return "out of memory";
    case FAULT_KERNEL_BUG:
        return "page fault in kernel mode";
    }
    return "unknown";
}

// Each event counts for the address space (under its lock) and for the
// whole system, which faults on other CPUs count at the same time.
#define COUNT(as, field)                                                                           \
    do {                                                                                           \
        (as)->stats.field++;                                                                       \
        __atomic_fetch_add(&vm_global_stats.field, 1, __ATOMIC_RELAXED);                           \
    } while (0)

// A write to a present, read-only page of a writable region: the page was
// shared by fork. The last sharer may write it in place; anyone else gets
// a private copy.
static enum fault_verdict resolve_cow(struct addrspace *as, struct memregion *r, vaddr_t va)
{
    // LAB cow BEGIN: a write to a shared page
    paddr_t shared;
    memperm_t perm;
    err_t err = vpmap_lookup_vaddr(as->vpmap, va, &shared, &perm);
    kassert(err == ERR_OK);
    if (perm & MEMPERM_WRITE) {
        // Already writable: another path (copyin) resolved it since the
        // hardware reported the fault. Nothing to do.
        return FAULT_RESOLVED;
    }
    COUNT(as, cow_faults);
    // We hold a reference (our mapping), so the count cannot drop to 0 under
    // us; nobody can raise it but a fork of this very address space.
    if (pmem_refcount(shared) == 1) {
        vpmap_set_perm(as->vpmap, va, 1, r->perm);
        COUNT(as, cow_reused);
        return FAULT_RESOLVED;
    }
    paddr_t copy;
    if (pmem_alloc(&copy) != ERR_OK) {
        return FAULT_OUT_OF_MEMORY;
    }
    memcpy(kmap_p2v(copy), kmap_p2v(shared), PAGE_SIZE);
    // In place, so that nothing can fail now: unmapping first could free the
    // page table that mapping the copy would then need again.
    as_replace_page(as, va, copy, r->perm);
    COUNT(as, cow_copies);
    return FAULT_RESOLVED;
    // LAB cow END
}

enum fault_verdict pgfault_resolve(struct addrspace *as, vaddr_t fault_addr, bool present,
                                   bool write)
{
    COUNT(as, page_faults);
    if (fault_addr >= VPMAP_USER_TOP) {
        return FAULT_KERNEL_ADDRESS;
    }
    vaddr_t va = pg_round_down(fault_addr);
    struct memregion *r = as_find_memregion(as, va);
    if (r == NULL) {
        // LAB stack BEGIN: the stack's guard gap
        // No region may enter the guard gap (vm.h): whatever lands there
        // came down from the stack.
        struct memregion *stack = as->stack;
        if (stack != NULL && va < stack->start &&
            stack->start - va <= USTACK_GUARD_PAGES * PAGE_SIZE) {
            return FAULT_STACK_OVERFLOW;
        }
        // LAB stack END
        return FAULT_BAD_ADDRESS;
    }
    if (write && !(r->perm & MEMPERM_WRITE)) {
        return FAULT_PERMISSION;
    }
    if (!present) {
        // LAB stack BEGIN: a page touched for the first time
        if (as_map_zero_page(as, va) != ERR_OK) {
            return FAULT_OUT_OF_MEMORY;
        }
        COUNT(as, demand_zero_faults);
        return FAULT_RESOLVED;
        // LAB stack END
    }
    if (!write) {
        // Present, and reading is always allowed: an instruction fetch from a
        // no-execute page.
        return FAULT_PERMISSION;
    }
    return resolve_cow(as, r, va);
}

enum fault_verdict handle_page_fault(vaddr_t fault_addr, bool present, bool write, bool user)
{
    if (!user) {
        return FAULT_KERNEL_BUG;
    }
    return pgfault_resolve(as_current(), fault_addr, present, write);
}
