// The invariant checker (see kernel/mm/vm_check.h).
//
// Two walks over every mapping of every live address space: the first counts
// the mappings of each physical page, the second checks each mapping against
// its region, pmem and those counts. Counting first is what lets one pass of
// checks compare a refcount with mappings found anywhere, in O(mappings).

#include "kernel/mm/vm_check.h"

#include <stdarg.h>
#include <stdint.h>

#include "arch/kmap.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/cmdline.h"
#include "kernel/kprintf.h"
#include "kernel/lib/string.h"
#include "kernel/mm/memperm.h"
#include "kernel/mm/vm.h"
#include "kernel/panic.h"
#include "kernel/sync/spinlock.h"

// One uint16_t counter per page index (pmem_page_index), in leaf pages; the
// directory page holds the leaves' physical addresses.
#define COUNTERS_PER_LEAF (PAGE_SIZE / sizeof(uint16_t))
#define MAX_LEAVES        (PAGE_SIZE / sizeof(paddr_t))
_Static_assert(COUNTERS_PER_LEAF *MAX_LEAVES == VM_CHECK_MAX_PAGES,
               "one directory page of leaves covers VM_CHECK_MAX_PAGES");

// A counter's low 15 bits count mappings (saturating); the top bit marks a
// page whose refcount was already reported, so a page mapped n times gets
// one line, not n.
#define COUNT_MASK 0x7fffu
#define REPORTED   0x8000u

// What a rest point compares to decide whether anything changed since the
// last check: figures that move with every change of an address space the
// kernel makes (a fault, a fork, sbrk, exec, exit), cheap to gather.
struct rest_state {
    size_t free_pages;
    size_t address_spaces;
    uint64_t page_faults;   // vm_global_stats: every fault served, copyin's too
    uint64_t pages_shared;  // vm_global_stats: every fork
    uint64_t pages_mapped;  // summed over address spaces
    uint64_t table_pages;   // summed over address spaces
    uint64_t breaks;        // summed over address spaces
};

static struct {
    // lock protects the counters while a check uses them.
    struct spinlock lock;
    // Set by vm_check_setup and vm_check_teardown, which run alone (at
    // boot; between host tests).
    bool ready;
    paddr_t directory;
    size_t leaves;
    struct vm_check_rest_counts rest;

    // What the last rest-point check saw, and whether one was skipped since.
    // Guarded by lock.
    struct rest_state last;
    bool skipped_since;
} checker = {.lock = SPINLOCK_INIT("vm_check")};

static paddr_t *directory(void)
{
    return kmap_p2v(checker.directory);
}

static uint16_t *counter(paddr_t page)
{
    size_t index = pmem_page_index(page);
    uint16_t *leaf = kmap_p2v(directory()[index / COUNTERS_PER_LEAF]);
    return &leaf[index % COUNTERS_PER_LEAF];
}

static void free_leaves(paddr_t dir_page, size_t leaves)
{
    paddr_t *dir = kmap_p2v(dir_page);
    for (size_t i = 0; i < leaves; i++) {
        pmem_free(dir[i]);
    }
    pmem_free(dir_page);
}

err_t vm_check_setup(void)
{
    kassert(!checker.ready);
    size_t limit = pmem_page_index_limit();
    if (limit > VM_CHECK_MAX_PAGES) {
        return ERR_INVAL;
    }
    size_t leaves = (limit + COUNTERS_PER_LEAF - 1) / COUNTERS_PER_LEAF;
    paddr_t dir_page;
    err_t err = pmem_alloc(&dir_page);
    if (err != ERR_OK) {
        return err;
    }
    paddr_t *dir = kmap_p2v(dir_page);
    memset(dir, 0, PAGE_SIZE);
    for (size_t i = 0; i < leaves; i++) {
        err = pmem_alloc(&dir[i]);
        if (err != ERR_OK) {
            free_leaves(dir_page, i);
            return err;
        }
    }
    checker.directory = dir_page;
    checker.leaves = leaves;
    checker.rest = (struct vm_check_rest_counts){0};
    checker.skipped_since = true;  // the first rest point checks
    checker.ready = true;
    return ERR_OK;
}

void vm_check_teardown(void)
{
    if (!checker.ready) {
        return;
    }
    free_leaves(checker.directory, checker.leaves);
    checker.ready = false;
    checker.directory = 0;
    checker.leaves = 0;
    checker.rest = (struct vm_check_rest_counts){0};
}

bool vm_check_enabled(void)
{
    return checker.ready;
}

// State of one check, handed to the walkers.
struct check {
    struct vm_check_summary *summary;
    struct addrspace *as;  // the address space being walked
    size_t as_mappings;    // mappings seen in it so far
};

static void violation(struct check *c, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void violation(struct check *c, const char *format, ...)
{
    c->summary->violations++;
    kprintf("vmcheck: ");
    if (c->as != NULL) {
        kprintf("as %p: ", (void *)c->as);
    }
    va_list args;
    va_start(args, format);
    kvprintf(format, args);
    va_end(args);
    kprintf("\n");
}

static void check_census(struct check *c)
{
    const struct pmem_census *p = &c->summary->pmem;
    if (p->listed_bad != 0) {
        violation(c, "pmem: %zu free-list entries are not free pages (refcount, bad link or cycle)",
                  p->listed_bad);
    }
    if (p->listed != p->free) {
        violation(c, "pmem: the free list holds %zu pages, but pmem counts %zu free", p->listed,
                  p->free);
    }
    if (p->zero_refcount != p->free) {
        violation(c, "pmem: %zu pages have refcount 0, but pmem counts %zu free", p->zero_refcount,
                  p->free);
    }
    if (p->zero_refcount + p->allocated != p->total) {
        violation(c, "pmem: %zu free + %zu allocated pages, but %zu in total", p->zero_refcount,
                  p->allocated, p->total);
    }
}

// First walk: count the mappings of each page.
static void count_mapping(void *ctx, vaddr_t vaddr, paddr_t paddr, memperm_t perm)
{
    (void)vaddr;
    (void)perm;
    struct check *c = ctx;
    c->summary->mappings++;
    if (pmem_page_state(paddr) == PMEM_PAGE_UNMANAGED) {
        return;  // reported by the second walk
    }
    uint16_t *count = counter(paddr);
    unsigned n = *count & COUNT_MASK;
    if (n == 0) {
        c->summary->mapped_pages++;
    } else if (n == 1) {
        c->summary->shared_pages++;
    }
    if (n < COUNT_MASK) {
        *count = (uint16_t)(n + 1);
    }
}

static void count_space(struct addrspace *as, void *ctx)
{
    struct check *c = ctx;
    c->summary->address_spaces++;
    vpmap_for_each_mapping(as->vpmap, count_mapping, c);
}

// Second walk: check each mapping.
static void check_mapping(void *ctx, vaddr_t vaddr, paddr_t paddr, memperm_t perm)
{
    struct check *c = ctx;
    c->as_mappings++;
    struct memregion *r = as_find_memregion(c->as, vaddr);
    if (r == NULL) {
        violation(c, "va 0x%lx -> pa 0x%lx (perm 0x%x) lies in no region", vaddr, paddr, perm);
    } else if (!memperm_allows(r->perm, perm)) {
        violation(c, "va 0x%lx -> pa 0x%lx has perm 0x%x, more than its region's 0x%x", vaddr,
                  paddr, perm, r->perm);
    }
    switch (pmem_page_state(paddr)) {
    case PMEM_PAGE_UNMANAGED:
        violation(c, "va 0x%lx -> pa 0x%lx: not a page pmem manages", vaddr, paddr);
        return;
    case PMEM_PAGE_FREE:
        violation(c, "va 0x%lx -> pa 0x%lx: the page is free (refcount 0) but mapped", vaddr,
                  paddr);
        return;
    case PMEM_PAGE_ALLOCATED:
        break;
    }
    uint16_t *count = counter(paddr);
    unsigned n = *count & COUNT_MASK;
    // We hold no reference, but nothing changes the refcount while the
    // address spaces are quiescent (vm_check.h).
    int refcount = pmem_refcount(paddr);
    if ((unsigned)refcount != n && !(*count & REPORTED)) {
        violation(c, "va 0x%lx -> pa 0x%lx: refcount %d, but %u mapping%s%s", vaddr, paddr,
                  refcount, n, n == 1 ? "" : "s", n == COUNT_MASK ? " or more" : "");
        *count |= REPORTED;
    }
    if ((perm & MEMPERM_WRITE) && n > 1) {
        violation(c,
                  "va 0x%lx -> pa 0x%lx is writable, but the page is mapped %u times "
                  "(a shared page must be read-only)",
                  vaddr, paddr, n);
    }
}

static void check_regions(struct check *c, struct addrspace *as)
{
    const struct memregion *prev = NULL;
    for (const struct memregion *r = as->regions; r != NULL; r = r->next) {
        if (!pg_aligned(r->start) || !pg_aligned(r->end) || r->end < r->start) {
            violation(c, "region [0x%lx, 0x%lx) is not a page-aligned range", r->start, r->end);
        }
        if (r->as != as) {
            violation(c, "region [0x%lx, 0x%lx) names address space %p", r->start, r->end,
                      (void *)r->as);
        }
        if (prev != NULL && r->start < prev->end) {
            violation(c, "region [0x%lx, 0x%lx) overlaps or precedes [0x%lx, 0x%lx)", r->start,
                      r->end, prev->start, prev->end);
        }
        prev = r;
    }
    const struct memregion *heap = as->heap;
    if (heap != NULL && (as->brk < heap->start || as->brk > heap->end)) {
        violation(c, "the break 0x%lx lies outside the heap [0x%lx, 0x%lx)", as->brk, heap->start,
                  heap->end);
    }
}

static void count_table(void *ctx, paddr_t table)
{
    (void)table;
    ++*(size_t *)ctx;
}

// The count vpmap keeps is what sysinfo reports; a walk is the truth.
static void check_table_pages(struct check *c, struct addrspace *as)
{
    size_t walked = 0;
    vpmap_for_each_table(as->vpmap, count_table, &walked);
    c->summary->table_pages += walked;
    size_t counted = vpmap_table_pages(as->vpmap);
    if (counted != walked) {
        violation(c, "the page table counts %zu table pages, but a walk of it finds %zu", counted,
                  walked);
    }
}

static void check_space(struct addrspace *as, void *ctx)
{
    struct check *c = ctx;
    c->as = as;
    c->as_mappings = 0;
    check_regions(c, as);
    vpmap_for_each_mapping(as->vpmap, check_mapping, c);
    if (as->pages_mapped != c->as_mappings) {
        violation(c, "pages_mapped is %lu, but the page table maps %zu pages", as->pages_mapped,
                  c->as_mappings);
    }
    check_table_pages(c, as);
    c->as = NULL;
}

size_t vm_check(struct vm_check_summary *summary)
{
    kassert(checker.ready);
    struct vm_check_summary local;
    struct check c = {.summary = summary != NULL ? summary : &local};
    *c.summary = (struct vm_check_summary){.scratch_pages = checker.leaves + 1};

    spinlock_acquire(&checker.lock);
    for (size_t i = 0; i < checker.leaves; i++) {
        memset(kmap_p2v(directory()[i]), 0, PAGE_SIZE);
    }
    pmem_take_census(&c.summary->pmem);
    check_census(&c);
    as_for_each(count_space, &c);
    as_for_each(check_space, &c);
    spinlock_release(&checker.lock);
    return c.summary->violations;
}

void vm_check_boot(void)
{
    if (!cmdline_has("vmcheck")) {
        return;
    }
    err_t err = vm_check_setup();
    if (err != ERR_OK) {
        panic("vmcheck: cannot set the checker up: %s", err_name(err));
    }
    struct vm_check_summary summary;
    size_t violations = vm_check(&summary);
    kprintf("vmcheck: on: every address space and page is checked at each return to user mode "
            "from a system call or page fault, and when idle (%zu pages of counters; boot check: "
            "%zu pages, %zu free, %zu violations)\n",
            summary.scratch_pages, summary.pmem.total, summary.pmem.free, violations);
    if (violations != 0) {
        panic("vmcheck: %zu violations at boot (listed above)", violations);
    }
}

// vm_check_or_panic, with `how` (the state of the other CPUs, or "") after
// the place in the panic message.
static void check_or_panic(const char *where, const char *how)
{
    if (!checker.ready) {
        return;
    }
    size_t violations = vm_check(NULL);
    if (violations != 0) {
        panic("vmcheck: %zu violation%s after %s%s (listed above)", violations,
              violations == 1 ? "" : "s", where, how);
    }
}

void vm_check_or_panic(const char *where)
{
    check_or_panic(where, "");
}

static void add_space(struct addrspace *as, void *ctx)
{
    struct rest_state *state = ctx;
    state->address_spaces++;
    state->pages_mapped += as->pages_mapped;
    state->table_pages += vpmap_table_pages(as->vpmap);
    state->breaks += as->brk;
}

static struct rest_state rest_state(void)
{
    struct rest_state state = {
        .free_pages = pmem_free_pages(),
        .page_faults = vm_global_stats.page_faults,
        .pages_shared = vm_global_stats.pages_shared,
    };
    as_for_each(add_space, &state);
    return state;
}

void vm_check_at_rest(const char *where, enum vm_check_others others)
{
    if (!checker.ready) {
        return;
    }
    spinlock_acquire(&checker.lock);
    if (others == VM_CHECK_OTHERS_BUSY || others == VM_CHECK_RENDEZVOUS_FAILED) {
        checker.rest.skipped++;
        checker.rest.rendezvous_failed += others == VM_CHECK_RENDEZVOUS_FAILED;
        checker.skipped_since = true;
        spinlock_release(&checker.lock);
        return;
    }
    struct rest_state now = rest_state();
    bool changed = checker.skipped_since || memcmp(&now, &checker.last, sizeof(now)) != 0;
    if (changed) {
        if (others == VM_CHECK_OTHERS_PARKED) {
            checker.rest.checked_parked++;
        } else {
            checker.rest.checked_idle++;
        }
        checker.skipped_since = false;
        checker.last = now;
    }
    spinlock_release(&checker.lock);
    if (changed) {
        // Which way the point was found tells, when it fails, whether the
        // bug shows only under load.
        check_or_panic(where, others == VM_CHECK_OTHERS_PARKED
                                  ? ", the other CPUs parked by a rendezvous"
                                  : "");
    }
}

struct vm_check_rest_counts vm_check_rest_counts(void)
{
    spinlock_acquire(&checker.lock);
    struct vm_check_rest_counts counts = checker.rest;
    spinlock_release(&checker.lock);
    return counts;
}
