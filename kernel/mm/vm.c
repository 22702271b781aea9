// Address spaces and memory regions (see kernel/mm/vm.h).

#include "kernel/mm/vm.h"

#include "arch/kmap.h"
#include "arch/page.h"
#include "kernel/lib/string.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"
#include "kernel/sync/spinlock.h"

struct vm_stats vm_global_stats;

// The registry of live address spaces (vm.h): a doubly linked list through
// live_prev/live_next, oldest first, so that removal is O(1).
static struct {
    struct spinlock lock;  // protects everything here and the links of every member
    struct addrspace *oldest;
    struct addrspace *newest;
    size_t count;
} live = {.lock = SPINLOCK_INIT("as_registry")};

static void register_as(struct addrspace *as)
{
    spinlock_acquire(&live.lock);
    as->live_prev = live.newest;
    as->live_next = NULL;
    if (live.newest != NULL) {
        live.newest->live_next = as;
    } else {
        live.oldest = as;
    }
    live.newest = as;
    live.count++;
    spinlock_release(&live.lock);
}

static void unregister_as(struct addrspace *as)
{
    spinlock_acquire(&live.lock);
    if (as->live_prev != NULL) {
        as->live_prev->live_next = as->live_next;
    } else {
        kassert(live.oldest == as);
        live.oldest = as->live_next;
    }
    if (as->live_next != NULL) {
        as->live_next->live_prev = as->live_prev;
    } else {
        kassert(live.newest == as);
        live.newest = as->live_prev;
    }
    live.count--;
    spinlock_release(&live.lock);
}

void as_for_each(void (*fn)(struct addrspace *as, void *ctx), void *ctx)
{
    spinlock_acquire(&live.lock);
    for (struct addrspace *as = live.oldest; as != NULL; as = as->live_next) {
        fn(as, ctx);
    }
    spinlock_release(&live.lock);
}

size_t as_live_count(void)
{
    spinlock_acquire(&live.lock);
    size_t count = live.count;
    spinlock_release(&live.lock);
    return count;
}

static size_t pages_in(vaddr_t start, vaddr_t end)
{
    return (end - start) / PAGE_SIZE;
}

// Lowest address a region reserves: the stack reserves its guard too.
static vaddr_t reserved_start(const struct memregion *r)
{
    return r->kind == MEMREGION_STACK ? r->start - USTACK_GUARD_PAGES * PAGE_SIZE : r->start;
}

// Would [start, end) (with `guard` bytes reserved below it) collide with r?
// An empty range collides when its address lies inside r.
static bool collides(const struct memregion *r, vaddr_t start, vaddr_t end, vaddr_t guard)
{
    if (start == end) {
        return reserved_start(r) <= start && start < r->end;
    }
    return start - guard < r->end && reserved_start(r) < end;
}

// The reference each mapping holds (see vm.h), as vpmap calls back with the
// mappings it made or removed.
// LAB cow BEGIN: a shared page gains a reference
static void take_reference(void *ctx, vaddr_t va, paddr_t page, memperm_t perm)
{
    (void)ctx, (void)va, (void)perm;
    pmem_inc_refcnt(page);
}
// LAB cow END

static void drop_reference(void *ctx, vaddr_t va, paddr_t page, memperm_t perm)
{
    (void)ctx, (void)va, (void)perm;
    pmem_dec_refcnt(page);
}

err_t as_create(struct addrspace **out)
{
    void *memory;
    err_t err = kmalloc(sizeof(struct addrspace), &memory);
    if (err != ERR_OK) {
        return err;
    }
    struct addrspace *as = memory;
    memset(as, 0, sizeof(*as));
    sleeplock_init(&as->lock, "address space");
    err = vpmap_create(&as->vpmap);
    if (err != ERR_OK) {
        kfree(as);
        return err;
    }
    register_as(as);
    *out = as;
    return ERR_OK;
}

void as_destroy(struct addrspace *as)
{
    unregister_as(as);
    struct memregion *r = as->regions;
    while (r != NULL) {
        struct memregion *next = r->next;
        kfree(r);
        r = next;
    }
    vpmap_for_each_mapping(as->vpmap, drop_reference, NULL);
    vpmap_destroy(as->vpmap);
    kfree(as);
}

err_t as_map_memregion(struct addrspace *as, vaddr_t start, size_t size, memperm_t perm,
                       enum memregion_kind kind, struct memregion **out)
{
    if (!pg_aligned(start) || !pg_aligned(size) || (size == 0 && kind != MEMREGION_HEAP)) {
        return ERR_INVAL;
    }
    vaddr_t end = start + size;
    // start >= USTACK_UPPERBOUND matters only for an empty heap (start == end).
    if (end < start || start < USER_REGION_MIN || start >= USTACK_UPPERBOUND ||
        end > USTACK_UPPERBOUND) {
        return ERR_VM_BOUND;
    }
    vaddr_t guard = kind == MEMREGION_STACK ? USTACK_GUARD_PAGES * PAGE_SIZE : 0;
    if (start - guard < USER_REGION_MIN) {
        return ERR_VM_BOUND;
    }
    struct memregion **link = &as->regions;
    for (struct memregion *r = as->regions; r != NULL; r = r->next) {
        if (collides(r, start, end, guard)) {
            return ERR_VM_OVERLAP;
        }
        if (r->start < start || (r->start == start && r->end <= start)) {
            link = &r->next;
        }
    }
    void *memory;
    err_t err = kmalloc(sizeof(struct memregion), &memory);
    if (err != ERR_OK) {
        return err;
    }
    struct memregion *region = memory;
    *region = (struct memregion){
        .start = start, .end = end, .perm = perm, .kind = kind, .as = as, .next = *link};
    *link = region;
    if (out != NULL) {
        *out = region;
    }
    return ERR_OK;
}

struct memregion *as_find_memregion(struct addrspace *as, vaddr_t addr)
{
    for (struct memregion *r = as->regions; r != NULL && r->start <= addr; r = r->next) {
        if (addr < r->end) {
            return r;
        }
    }
    return NULL;
}

err_t as_map_page(struct addrspace *as, vaddr_t addr, const void *src, size_t len)
{
    struct memregion *r = as_find_memregion(as, addr);
    kassert(r != NULL && len <= PAGE_SIZE);
    paddr_t page;
    err_t err = pmem_alloc(&page);
    if (err != ERR_OK) {
        return err;
    }
    // Every byte is written: a recycled page still holds its last owner's data.
    char *bytes = kmap_p2v(page);
    if (len > 0) {
        memcpy(bytes, src, len);
    }
    memset(bytes + len, 0, PAGE_SIZE - len);
    err = vpmap_map(as->vpmap, pg_round_down(addr), page, 1, r->perm);
    if (err != ERR_OK) {
        pmem_free(page);
        return err;
    }
    as->pages_mapped++;
    return ERR_OK;
}

err_t as_map_zero_page(struct addrspace *as, vaddr_t addr)
{
    return as_map_page(as, addr, NULL, 0);
}

void as_replace_page(struct addrspace *as, vaddr_t addr, paddr_t page, memperm_t perm)
{
    pmem_dec_refcnt(vpmap_replace(as->vpmap, pg_round_down(addr), page, perm));
}

err_t as_map_stack(struct addrspace *as)
{
    kassert(as->stack == NULL);
    vaddr_t start = USTACK_UPPERBOUND - USTACK_PAGES * PAGE_SIZE;
    err_t err = as_map_memregion(as, start, USTACK_PAGES * PAGE_SIZE, MEMPERM_URW, MEMREGION_STACK,
                                 &as->stack);
    if (err != ERR_OK) {
        return err;
    }
    // LAB stack BEGIN: the stack's first page
    // The top page holds exec's argument block; the rest come on demand.
    return as_map_zero_page(as, USTACK_UPPERBOUND - PAGE_SIZE);
    // LAB stack END
}

err_t as_map_heap(struct addrspace *as, vaddr_t start)
{
    kassert(as->heap == NULL);
    err_t err = as_map_memregion(as, start, 0, MEMPERM_URW, MEMREGION_HEAP, &as->heap);
    if (err == ERR_OK) {
        as->brk = start;
    }
    return err;
}

err_t memregion_extend(struct memregion *r, vaddr_t new_end)
{
    kassert(pg_aligned(new_end));
    if (new_end < r->start) {
        return ERR_INVAL;
    }
    if (new_end > r->end) {
        if (new_end > USTACK_UPPERBOUND) {
            return ERR_VM_BOUND;
        }
        if (r->next != NULL && new_end > reserved_start(r->next)) {
            return ERR_VM_OVERLAP;
        }
    } else if (new_end < r->end) {
        // LAB heap BEGIN: a region that shrinks gives its pages back
        r->as->pages_mapped -=
            vpmap_unmap(r->as->vpmap, new_end, pages_in(new_end, r->end), drop_reference, NULL);
        // LAB heap END
    }
    r->end = new_end;
    return ERR_OK;
}

err_t as_sbrk(struct addrspace *as, int64_t increment, vaddr_t *old_brk)
{
    kassert(as->heap != NULL);
    struct memregion *heap = as->heap;
    *old_brk = as->brk;
    if (increment > 0) {
        if ((uint64_t)increment > USTACK_UPPERBOUND - as->brk) {
            return ERR_NOMEM;  // past the end of the user half
        }
        vaddr_t new_brk = as->brk + (uint64_t)increment;
        vaddr_t new_end = pg_round_up(new_brk);
        // LAB heap BEGIN: the heap grows without a page
        if (new_end > heap->end && memregion_extend(heap, new_end) != ERR_OK) {
            return ERR_NOMEM;
        }
        // LAB heap END
        as->brk = new_brk;
    } else if (increment < 0) {
        // Negate in unsigned arithmetic: -INT64_MIN does not fit in int64_t.
        uint64_t decrease = -(uint64_t)increment;
        if (decrease > as->brk - heap->start) {
            return ERR_OK;  // past the heap start: the osv rule is sbrk(0)
        }
        vaddr_t new_brk = as->brk - decrease;
        err_t err = memregion_extend(heap, pg_round_up(new_brk));
        kassert(err == ERR_OK);  // shrinking cannot fail
        as->brk = new_brk;
    }
    return ERR_OK;
}

err_t as_copy_layout(struct addrspace *src, struct addrspace **out)
{
    struct addrspace *dst;
    err_t err = as_create(&dst);
    if (err != ERR_OK) {
        return err;
    }
    for (struct memregion *r = src->regions; r != NULL; r = r->next) {
        struct memregion *copy;
        err = as_map_memregion(dst, r->start, r->end - r->start, r->perm, r->kind, &copy);
        if (err != ERR_OK) {
            as_destroy(dst);
            return err;
        }
        if (r == src->heap) {
            dst->heap = copy;
        } else if (r == src->stack) {
            dst->stack = copy;
        }
    }
    dst->brk = src->brk;
    *out = dst;
    return ERR_OK;
}

err_t as_copy(struct addrspace *src, struct addrspace **out)
{
    // LAB cow BEGIN: fork shares every page copy-on-write
    struct addrspace *dst;
    err_t err = as_copy_layout(src, &dst);
    if (err != ERR_OK) {
        return err;
    }
    for (struct memregion *r = src->regions; r != NULL; r = r->next) {
        // Writable pages become read-only on both sides until written.
        memperm_t shared = (r->perm & MEMPERM_WRITE) ? memperm_read_only(r->perm) : r->perm;
        err = vpmap_cow_copy(dst->vpmap, src->vpmap, r->start, pages_in(r->start, r->end), shared);
        if (err != ERR_OK) {
            break;
        }
    }
    // The child's mappings hold references like any others, also when the
    // copy stopped part way (as_destroy then drops them again).
    vpmap_for_each_mapping(dst->vpmap, take_reference, NULL);
    if (err != ERR_OK) {
        as_destroy(dst);
        return err;
    }
    dst->pages_mapped = src->pages_mapped;
    __atomic_fetch_add(&vm_global_stats.pages_shared, src->pages_mapped, __ATOMIC_RELAXED);
    *out = dst;
    return ERR_OK;
    // LAB cow END
}
