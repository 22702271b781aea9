// Address spaces described as vmmap records (see kernel/mm/vm_view.h).
//
// One walk of the page table (vpmap_for_each_mapping, ascending) and of the
// sorted region list side by side: a region's record is placed when the
// walk reaches its start, so it comes before its pages, and counts them as
// they pass.

#include "kernel/mm/vm_view.h"

#include <stdbool.h>

#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/kprintf.h"
#include "kernel/mm/memperm.h"
#include "kernel/mm/pmem.h"
#include "kernel/user_layout.h"

_Static_assert(PAGE_SIZE == USER_PAGE_SIZE, "user programs count pages in USER_PAGE_SIZE");

static uint32_t abi_perm(memperm_t perm)
{
    return ((perm & MEMPERM_READ) ? OSV_VMMAP_READ : 0) |
           ((perm & MEMPERM_WRITE) ? OSV_VMMAP_WRITE : 0) |
           ((perm & MEMPERM_EXEC) ? OSV_VMMAP_EXEC : 0);
}

static uint32_t abi_kind(const struct memregion *r)
{
    if (r == NULL) {
        return OSV_VMMAP_NOKIND;
    }
    switch (r->kind) {
    case MEMREGION_CODE:
        return OSV_VMMAP_CODE;
    case MEMREGION_DATA:
        return OSV_VMMAP_DATA;
    case MEMREGION_HEAP:
        return OSV_VMMAP_HEAP;
    case MEMREGION_STACK:
        return OSV_VMMAP_STACK;
    }
    return OSV_VMMAP_NOKIND;
}

static struct osv_vmmap_entry region_entry(const struct memregion *r)
{
    return (struct osv_vmmap_entry){
        .type = OSV_VMMAP_REGION,
        .kind = abi_kind(r),
        .perm = abi_perm(r->perm),
        .start = r->start,
        .end = r->end,
    };
}

// The record of the page at va mapping `frame` with `perm`, in region r
// (NULL: in none).
static struct osv_vmmap_entry page_entry(const struct memregion *r, vaddr_t va, paddr_t frame,
                                         memperm_t perm)
{
    int refs = pmem_refcount(frame);
    uint32_t sharing = refs > 1 ? OSV_VMMAP_SHARED : OSV_VMMAP_PRIVATE;
    // Less than the region allows, and what it lacks is the right to write:
    // copy-on-write, whose fault copies the frame or, for the last sharer,
    // makes it writable where it is.
    if (r != NULL && (r->perm & MEMPERM_WRITE) && !(perm & MEMPERM_WRITE)) {
        sharing = refs > 1 ? OSV_VMMAP_COW_SHARED : OSV_VMMAP_COW_LAST;
    }
    return (struct osv_vmmap_entry){
        .type = OSV_VMMAP_PAGE,
        .kind = abi_kind(r),
        .perm = abi_perm(perm),
        .sharing = sharing,
        .start = va,
        .end = va + PAGE_SIZE,
        .pages = 1,
        .frame = frame,
        .refs = (uint64_t)refs,
    };
}

struct describe {
    bool pages;  // page records too
    vm_view_slot_fn *slot;
    void *ctx;
    size_t count;                 // records so far
    struct memregion *next;       // the first region not placed yet
    struct memregion *open;       // the last region placed (its pages may follow)
    struct osv_vmmap_entry *rec;  // open's record, or NULL if not kept
};

static void place(struct describe *d, const struct osv_vmmap_entry *entry,
                  struct osv_vmmap_entry **where)
{
    struct osv_vmmap_entry *slot = d->slot(d->ctx, d->count++);
    if (slot != NULL) {
        *slot = *entry;
    }
    if (where != NULL) {
        *where = slot;
    }
}

// Places the record of every region that starts at or below va.
static void place_regions_up_to(struct describe *d, vaddr_t va)
{
    while (d->next != NULL && d->next->start <= va) {
        struct osv_vmmap_entry entry = region_entry(d->next);
        place(d, &entry, &d->rec);
        d->open = d->next;
        d->next = d->next->next;
    }
}

static void describe_mapping(void *ctx, vaddr_t va, paddr_t frame, memperm_t perm)
{
    struct describe *d = ctx;
    place_regions_up_to(d, va);
    struct memregion *r = d->open != NULL && va < d->open->end ? d->open : NULL;
    if (r != NULL && d->rec != NULL) {
        d->rec->pages++;
    }
    if (d->pages) {
        struct osv_vmmap_entry entry = page_entry(r, va, frame, perm);
        place(d, &entry, NULL);
    }
}

size_t vm_view_describe(struct addrspace *as, uint32_t flags, vm_view_slot_fn *slot, void *ctx)
{
    struct describe d = {
        .pages = (flags & OSV_VMMAP_PAGES) != 0,
        .slot = slot,
        .ctx = ctx,
        .next = as->regions,
    };
    vpmap_for_each_mapping(as->vpmap, describe_mapping, &d);
    place_regions_up_to(&d, VPMAP_USER_TOP);
    return d.count;
}

err_t vm_view_page(struct addrspace *as, vaddr_t addr, struct osv_vmmap_entry *out)
{
    paddr_t pa;
    memperm_t perm;
    err_t err = vpmap_lookup_vaddr(as->vpmap, addr, &pa, &perm);
    if (err != ERR_OK) {
        return err;
    }
    *out = page_entry(as_find_memregion(as, addr), pg_round_down(addr), pg_round_down(pa), perm);
    return ERR_OK;
}

// The report's region lines: nine regions, or eight and a line saying how
// many more.
#define REPORT_REGIONS 9
// Pages on each side of the faulting one.
#define REPORT_AROUND  2

struct report_regions {
    struct osv_vmmap_entry rec[REPORT_REGIONS];
};

static struct osv_vmmap_entry *report_slot(void *ctx, size_t index)
{
    struct report_regions *regions = ctx;
    return index < REPORT_REGIONS ? &regions->rec[index] : NULL;
}

static void report_page(struct addrspace *as, vaddr_t va, bool faulted)
{
    const char *mark = faulted ? " <- fault" : "";
    struct osv_vmmap_entry e;
    if (vm_view_page(as, va, &e) != ERR_OK) {
        struct memregion *r = as_find_memregion(as, va);
        kprintf("  page 0x%lx not mapped, in %s%s\n", va,
                r != NULL ? osv_vmmap_kind_name(abi_kind(r)) : "no region", mark);
        return;
    }
    char perm[4];
    osv_vmmap_perm_string(e.perm, perm);
    kprintf("  page 0x%lx %s refs %lu %s -> frame 0x%lx%s\n", va, perm, e.refs,
            osv_vmmap_sharing_name(e.sharing), e.frame, mark);
}

void vm_view_report_fault(struct addrspace *as, vaddr_t addr)
{
    struct report_regions regions;
    size_t count = vm_view_describe(as, 0, report_slot, &regions);
    size_t shown = count <= REPORT_REGIONS ? count : REPORT_REGIONS - 1;
    for (size_t i = 0; i < shown; i++) {
        const struct osv_vmmap_entry *e = &regions.rec[i];
        char perm[4];
        osv_vmmap_perm_string(e->perm, perm);
        kprintf("  region 0x%lx-0x%lx %s %s %lu/%lu pages\n", e->start, e->end, perm,
                osv_vmmap_kind_name(e->kind), e->pages, (e->end - e->start) / PAGE_SIZE);
    }
    if (shown < count) {
        kprintf("  ... and %zu more regions\n", count - shown);
    }
    if (addr >= VPMAP_USER_TOP) {
        return;  // a kernel address: no user pages around it
    }
    vaddr_t fault_page = pg_round_down(addr);
    vaddr_t reach = REPORT_AROUND * PAGE_SIZE;
    vaddr_t first = fault_page >= reach ? fault_page - reach : 0;
    for (vaddr_t va = first; va <= fault_page + reach && va < VPMAP_USER_TOP; va += PAGE_SIZE) {
        report_page(as, va, va == fault_page);
    }
}
