// The checkers' view of pmem (see kernel/mm/pmem_census.h).

#include "kernel/mm/pmem_census.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/page.h"
#include "kernel/mm/pmem_internal.h"
#include "kernel/sync/spinlock.h"

enum pmem_page_state pmem_page_state(paddr_t paddr)
{
    spinlock_acquire(&pmem.lock);
    enum pmem_page_state state = PMEM_PAGE_UNMANAGED;
    size_t index = (paddr - pmem.base) / PAGE_SIZE;
    if (paddr >= pmem.base && index < pmem.num_pages) {
        int refcount = pmem.pages[index].refcount;
        if (refcount == 0) {
            state = PMEM_PAGE_FREE;
        } else if (refcount > 0) {
            state = PMEM_PAGE_ALLOCATED;
        }
    }
    spinlock_release(&pmem.lock);
    return state;
}

size_t pmem_page_index(paddr_t paddr)
{
    return (size_t)(pmem_managed_page(paddr, "pmem_page_index") - pmem.pages);
}

size_t pmem_page_index_limit(void)
{
    return pmem.num_pages;
}

// True when p points at one of the struct pages of managed pages.
static bool is_managed_struct_page(const struct page *p)
{
    uintptr_t at = (uintptr_t)p;
    uintptr_t first = (uintptr_t)pmem.pages;
    return at >= first && at < first + pmem.num_pages * sizeof(struct page) &&
           (at - first) % sizeof(struct page) == 0 && p->refcount != PAGE_UNMANAGED;
}

void pmem_take_census(struct pmem_census *census)
{
    *census = (struct pmem_census){0};
    spinlock_acquire(&pmem.lock);
    census->total = pmem.total;
    census->free = pmem.num_free;
    // At most one more step than there are pages: a longer list has a cycle.
    for (const struct page *p = pmem.free_list; p != NULL; p = p->next_free) {
        if (census->listed > pmem.total) {
            census->listed_bad++;  // a cycle
            break;
        }
        if (!is_managed_struct_page(p)) {
            census->listed_bad++;  // a link to anything but a struct page: stop there
            break;
        }
        if (p->refcount != 0) {
            census->listed_bad++;
        }
        census->listed++;
    }
    for (size_t i = 0; i < pmem.num_pages; i++) {
        if (pmem.pages[i].refcount == 0) {
            census->zero_refcount++;
        } else if (pmem.pages[i].refcount > 0) {
            census->allocated++;
        }
    }
    spinlock_release(&pmem.lock);
}
