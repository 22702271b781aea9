// Kernel stacks in the kernel stack region (see arch/kstack.h).
//
// The region is cut into slots of one guard page followed by KSTACK_SIZE of
// stack; slot i's guard page is at KSTACK_REGION_BASE + i * SLOT_SIZE and is
// never mapped.

#include "arch/kstack.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/page.h"
#include "arch/x86_64/kernel_map.h"
#include "arch/x86_64/kstack_x86.h"
#include "arch/x86_64/tlb.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"
#include "kernel/sync/spinlock.h"

#define STACK_PAGES (KSTACK_SIZE / PAGE_SIZE)
#define SLOT_SIZE   (KSTACK_SIZE + PAGE_SIZE)
#define SLOTS       (KSTACK_REGION_SIZE / SLOT_SIZE)

static struct spinlock slots_lock = SPINLOCK_INIT("kstack slots");
static bool slot_used[SLOTS];  // guarded by slots_lock

static vaddr_t slot_bottom(size_t slot)
{
    return KSTACK_REGION_BASE + slot * SLOT_SIZE + PAGE_SIZE;
}

// Unmaps and frees the first `pages` pages of a stack. Every CPU that ran
// on it may still hold its translations (global ones, which a switch of
// page table keeps): all drop them before the pages are freed, or a CPU
// could go on writing, through the old translation, into a page that is
// someone else's, and a thread later given this slot would use it too.
static void unmap_pages(vaddr_t bottom, size_t pages)
{
    paddr_t unmapped[STACK_PAGES];
    for (size_t i = 0; i < pages; i++) {
        unmapped[i] = kernel_unmap_page(bottom + i * PAGE_SIZE);
    }
    tlb_flush_kernel_pages(bottom, pages);
    for (size_t i = 0; i < pages; i++) {
        pmem_free(unmapped[i]);
    }
}

err_t kstack_alloc(struct kstack *stack)
{
    spinlock_acquire(&slots_lock);
    size_t slot = 0;
    while (slot < SLOTS && slot_used[slot]) {
        slot++;
    }
    if (slot < SLOTS) {
        slot_used[slot] = true;
    }
    spinlock_release(&slots_lock);
    if (slot == SLOTS) {
        return ERR_NOSPACE;
    }

    vaddr_t bottom = slot_bottom(slot);
    for (size_t i = 0; i < STACK_PAGES; i++) {
        paddr_t page;
        if (pmem_alloc(&page) != ERR_OK) {
            unmap_pages(bottom, i);
            spinlock_acquire(&slots_lock);
            slot_used[slot] = false;
            spinlock_release(&slots_lock);
            return ERR_NOMEM;
        }
        kernel_map_page(bottom + i * PAGE_SIZE, page);
    }
    *stack = (struct kstack){.bottom = bottom, .top = bottom + KSTACK_SIZE};
    return ERR_OK;
}

void kstack_free(struct kstack *stack)
{
    size_t slot = (stack->bottom - PAGE_SIZE - KSTACK_REGION_BASE) / SLOT_SIZE;
    kassert(slot < SLOTS && slot_bottom(slot) == stack->bottom);
    unmap_pages(stack->bottom, STACK_PAGES);
    spinlock_acquire(&slots_lock);
    kassert(slot_used[slot]);
    slot_used[slot] = false;
    spinlock_release(&slots_lock);
}

bool kstack_contains(uintptr_t addr, size_t size)
{
    if (addr < KSTACK_REGION_BASE || addr - KSTACK_REGION_BASE >= KSTACK_REGION_SIZE) {
        return false;
    }
    size_t slot = (addr - KSTACK_REGION_BASE) / SLOT_SIZE;
    vaddr_t bottom = slot_bottom(slot);
    // Read without the lock: this serves panics and backtraces, which must
    // not take locks; a stale answer only shortens a backtrace.
    return slot_used[slot] && addr >= bottom && size <= bottom + KSTACK_SIZE - addr;
}
