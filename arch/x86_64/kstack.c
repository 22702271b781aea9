// Kernel stacks in the kernel stack region (see arch/kstack.h).
//
// The region is cut into slots of one guard page followed by KSTACK_SIZE of
// stack; slot i's guard page is at KSTACK_REGION_BASE + i * SLOT_SIZE and is
// never mapped.

#include "arch/kstack.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/interrupts.h"
#include "arch/page.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/kernel_map.h"
#include "arch/x86_64/kstack_x86.h"
#include "arch/x86_64/tlb.h"
#include "kernel/lib/string.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"
#include "kernel/sync/spinlock.h"

#define STACK_PAGES (KSTACK_SIZE / PAGE_SIZE)
#define SLOT_SIZE   (KSTACK_SIZE + PAGE_SIZE)
#define SLOTS       (KSTACK_REGION_SIZE / SLOT_SIZE)

// A slot is free, in use, or stale: freed, but other CPUs may still cache
// translations of its old pages. Kernel mappings are global, so switching
// page tables keeps them, and a CPU that ran on a stack (or wrote a new
// thread's first frame there) may keep them until told to drop them. A
// stale slot's pages are back in pmem: nothing uses the old addresses any
// more, and only a new stack in the same slot would, through such a
// translation, reach the old frames, by then someone else's. So a stale
// slot is handed out again only after every CPU has dropped all its global
// translations once since it was freed. Rather than interrupt every CPU for
// each freed stack, kstack_alloc takes never-used slots first and flushes
// only when none is left: one round then makes every slot stale so far
// reusable. (The region holds about a thousand slots; the tests that start
// threads by the thousand flush a few times.)
enum slot_state {
    SLOT_FREE,
    SLOT_USED,
    SLOT_STALE,
};

// Guarded by slots_lock. A flush is numbered by flushes_begun when it
// starts; slot i, stale since flush freed_at[i] had begun, may be used
// again once a flush numbered above freed_at[i] is done (flushes_done).
// A freed slot only ever becomes stale, so the free ones are those never
// used, first_unused and up; the stale ones wait in a queue in the order
// they were freed, which is also the order of their freed_at. So taking a
// slot looks at one entry, not at all thousand (once a run had used every
// slot, each fork used to scan them all, interrupts off, under this lock).
static struct spinlock slots_lock = SPINLOCK_INIT("kstack slots");
static enum slot_state slot_state[SLOTS];
static uint64_t freed_at[SLOTS];
static size_t first_unused;          // slots first_unused .. SLOTS - 1 are free
static uint16_t stale_queue[SLOTS];  // stale_count entries from stale_head, wrapping
static size_t stale_head;
static size_t stale_count;
static uint64_t flushes_begun;
static uint64_t flushes_done;
static bool flushing;  // one flush at a time: flushes_done then only grows

_Static_assert(SLOTS <= UINT16_MAX, "a slot number must fit a queue entry");

static vaddr_t slot_bottom(size_t slot)
{
    return KSTACK_REGION_BASE + slot * SLOT_SIZE + PAGE_SIZE;
}

// Unmaps and frees the first `pages` pages of the stack at bottom. This
// CPU's translations go too; the others' are the slot's staleness.
static void unmap_pages(vaddr_t bottom, size_t pages)
{
    for (size_t i = 0; i < pages; i++) {
        pmem_free(kernel_unmap_page(bottom + i * PAGE_SIZE));
    }
}

// A slot to use now, or SLOTS if none: a free one, else the longest stale
// one if a finished flush made it safe. slots_lock held.
static size_t usable_slot(void)
{
    if (first_unused < SLOTS) {
        return first_unused++;
    }
    if (stale_count > 0 && freed_at[stale_queue[stale_head]] < flushes_done) {
        size_t slot = stale_queue[stale_head];
        stale_head = (stale_head + 1) % SLOTS;
        stale_count--;
        return slot;
    }
    return SLOTS;
}

// Marks a slot stale since the flushes begun so far. slots_lock held.
static void make_stale(size_t slot)
{
    slot_state[slot] = SLOT_STALE;
    freed_at[slot] = flushes_begun;
    stale_queue[(stale_head + stale_count) % SLOTS] = (uint16_t)slot;
    stale_count++;
}

// Takes a slot, flushing the stale ones when nothing else is left.
// ERR_NOSPACE when every slot is in use.
static err_t take_slot(size_t *out)
{
    spinlock_acquire(&slots_lock);
    for (;;) {
        size_t slot = usable_slot();
        if (slot < SLOTS) {
            slot_state[slot] = SLOT_USED;
            spinlock_release(&slots_lock);
            *out = slot;
            return ERR_OK;
        }
        if (stale_count == 0) {
            spinlock_release(&slots_lock);
            return ERR_NOSPACE;
        }
        if (flushing) {
            // Another CPU's flush is under way, and it needs this CPU to
            // answer: wait with interrupts on, then look again.
            spinlock_release(&slots_lock);
            kassert(intr_enabled());
            cpu_relax();
            spinlock_acquire(&slots_lock);
            continue;
        }
        flushing = true;
        uint64_t number = ++flushes_begun;
        spinlock_release(&slots_lock);
        tlb_flush_kernel_everywhere();
        spinlock_acquire(&slots_lock);
        flushes_done = number;
        flushing = false;
    }
}

err_t kstack_alloc(struct kstack *stack)
{
    size_t slot;
    err_t err = take_slot(&slot);
    if (err != ERR_OK) {
        return err;
    }
    vaddr_t bottom = slot_bottom(slot);
    for (size_t i = 0; i < STACK_PAGES; i++) {
        paddr_t page;
        if (pmem_alloc(&page) != ERR_OK) {
            unmap_pages(bottom, i);
            spinlock_acquire(&slots_lock);
            make_stale(slot);  // this CPU touched nothing else's; still, the rule
            spinlock_release(&slots_lock);
            return ERR_NOMEM;
        }
        kernel_map_page(bottom + i * PAGE_SIZE, page);
    }
    // Zeroed, so that no frame keeps what it held before. Under QEMU's
    // emulation that is about speed: QEMU keeps its translations of a frame
    // that held code until every translated byte is overwritten, and until
    // then each store into the frame, wherever it lands, takes a slow path
    // (tens of times a plain store). Stacks often get such frames: with an
    // eager fork each child runs its own copy of its program's code, and
    // pmem hands the frames freed at its exit out first. A stack is used at
    // its top only, so nothing would overwrite the rest: vmcheck's census,
    // which counts every page into a struct on the checking thread's stack,
    // took about 40 times as long there (the one-CPU killrace test on the
    // lab's starter kernel: 15-38 s instead of 1-4).
    memset((void *)bottom, 0, KSTACK_SIZE);
    *stack = (struct kstack){.bottom = bottom, .top = bottom + KSTACK_SIZE};
    return ERR_OK;
}

void kstack_free(struct kstack *stack)
{
    size_t slot = (stack->bottom - PAGE_SIZE - KSTACK_REGION_BASE) / SLOT_SIZE;
    kassert(slot < SLOTS && slot_bottom(slot) == stack->bottom);
    unmap_pages(stack->bottom, STACK_PAGES);
    spinlock_acquire(&slots_lock);
    kassert(slot_state[slot] == SLOT_USED);
    make_stale(slot);
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
    return slot_state[slot] == SLOT_USED && addr >= bottom && size <= bottom + KSTACK_SIZE - addr;
}
