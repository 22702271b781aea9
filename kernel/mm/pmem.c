// The physical page allocator and reference counts (see kernel/mm/pmem.h).
// pmem_init (pmem_boot.c) has put every usable page on the free list.

#include "kernel/mm/pmem.h"

#include <limits.h>
#include <stdint.h>

#include "arch/page.h"
#include "kernel/mm/pmem_internal.h"
#include "kernel/panic.h"
#include "kernel/sync/spinlock.h"

struct pmem_state pmem;

struct page *pmem_managed_page(paddr_t paddr, const char *who)
{
    size_t index = (paddr - pmem.base) / PAGE_SIZE;
    // A managed page's count changes, but never to PAGE_UNMANAGED: a relaxed
    // read without the lock tells the two apart.
    if (paddr < pmem.base || index >= pmem.num_pages ||
        __atomic_load_n(&pmem.pages[index].refcount, __ATOMIC_RELAXED) == PAGE_UNMANAGED) {
        panic("%s: 0x%lx is not an address pmem manages", who, paddr);
    }
    return &pmem.pages[index];
}

paddr_t pmem_page_paddr(const struct page *page)
{
    return pmem.base + (paddr_t)(page - pmem.pages) * PAGE_SIZE;
}

// Puts a page whose count just reached 0 back on the free list. Caller
// holds pmem.lock.
static void push_free(struct page *page)
{
    page->next_free = pmem.free_list;
    pmem.free_list = page;
    pmem.num_free++;
}

err_t pmem_alloc(paddr_t *paddr)
{
    spinlock_acquire(&pmem.lock);
    struct page *page = pmem.free_list;
    if (page == NULL) {
        spinlock_release(&pmem.lock);
        return ERR_NOMEM;
    }
    // A free page with a count is a corrupted free list: someone wrote to a
    // struct page they did not own.
    int refcount = __atomic_load_n(&page->refcount, __ATOMIC_RELAXED);
    if (refcount != 0) {
        panic("pmem_alloc: free page 0x%lx has refcount %d", pmem_page_paddr(page), refcount);
    }
    pmem.free_list = page->next_free;
    pmem.num_free--;
    page->next_free = NULL;
    __atomic_store_n(&page->refcount, 1, __ATOMIC_RELAXED);
    *paddr = pmem_page_paddr(page);
    spinlock_release(&pmem.lock);
    return ERR_OK;
}

void pmem_free(paddr_t paddr)
{
    spinlock_acquire(&pmem.lock);
    struct page *page = pmem_managed_page(paddr, "pmem_free");
    int refcount = __atomic_load_n(&page->refcount, __ATOMIC_ACQUIRE);
    if (refcount == 0) {
        panic("pmem_free: page 0x%lx is not allocated (freed twice?)", pmem_page_paddr(page));
    }
    if (refcount > 1) {
        panic("pmem_free: page 0x%lx is shared (refcount %d); use pmem_dec_refcnt",
              pmem_page_paddr(page), refcount);
    }
    __atomic_store_n(&page->refcount, 0, __ATOMIC_RELAXED);
    push_free(page);
    spinlock_release(&pmem.lock);
}

// Reference counts change with atomic instructions, not under pmem.lock: a
// fork takes one per page it shares and the child's exit drops as many, and
// the lock would turn interrupts off and on again for each (under QEMU's
// emulation, changing the interrupt flag ends a translated block, so that
// costs more than the count itself). Only the drop that frees a page takes
// the lock, for the free list.

void pmem_inc_refcnt(paddr_t paddr)
{
    struct page *page = pmem_managed_page(paddr, "pmem_inc_refcnt");
    int old = __atomic_fetch_add(&page->refcount, 1, __ATOMIC_RELAXED);
    if (old == 0) {
        panic("pmem_inc_refcnt: page 0x%lx is free", pmem_page_paddr(page));
    }
    // Each reference is a mapping or an owner; two billion of them is a
    // leak, not a workload.
    kassert(old < INT_MAX);
}

void pmem_dec_refcnt(paddr_t paddr)
{
    struct page *page = pmem_managed_page(paddr, "pmem_dec_refcnt");
    // Acquire and release: whatever the other owners wrote to the page
    // happens before it goes back on the free list.
    int old = __atomic_fetch_sub(&page->refcount, 1, __ATOMIC_ACQ_REL);
    if (old == 0) {
        panic("pmem_dec_refcnt: page 0x%lx is free; its refcount would drop below zero",
              pmem_page_paddr(page));
    }
    if (old == 1) {
        // The last reference: nobody else can reach the page any more.
        spinlock_acquire(&pmem.lock);
        push_free(page);
        spinlock_release(&pmem.lock);
    }
}

struct page *paddr_to_page(paddr_t paddr)
{
    return pmem_managed_page(paddr, "paddr_to_page");
}

int pmem_refcount(paddr_t paddr)
{
    return __atomic_load_n(&pmem_managed_page(paddr, "pmem_refcount")->refcount, __ATOMIC_ACQUIRE);
}

size_t pmem_total_pages(void)
{
    return pmem.total;
}

size_t pmem_free_pages(void)
{
    spinlock_acquire(&pmem.lock);
    size_t free = pmem.num_free;
    spinlock_release(&pmem.lock);
    return free;
}
