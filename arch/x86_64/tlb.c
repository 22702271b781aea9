// TLB shootdowns (tlb.h).
//
// Counted here for sysinfo: a round is a flush that had to interrupt other
// CPUs; flushes that stayed on the calling CPU (the common case with one CPU,
// or with one thread per process) cost no interrupt and are not counted.

#include "arch/x86_64/tlb.h"

#include "arch/cpus.h"
#include "arch/interrupts.h"
#include "arch/vpmap.h"
#include "arch/x86_64/mmu.h"

static uint64_t rounds;       // atomic
static uint64_t cpus_called;  // atomic

// One flush, as each CPU of a round runs it.
struct shootdown {
    paddr_t root;
    bool whole;
    size_t pages;
    const struct tlb_pending *page;
};

// Drops this CPU's translations that `arg` (a struct shootdown) names, if it
// still has that root loaded: one that loaded another since has none left.
static void flush_here(void *arg)
{
    const struct shootdown *s = arg;
    if (mmu_active_root() != s->root) {
        return;
    }
    if (s->whole) {
        mmu_load_root(s->root);
        return;
    }
    for (size_t i = 0; i < s->pages; i++) {
        mmu_invalidate_page(s->page[i].va);
    }
}

// Runs `s` on every CPU that has its root loaded, this one included, and
// returns when all have.
static void shoot(const struct shootdown *s)
{
    // After the caller's table stores: see mmu.c.
    cpus_mask_t with = mmu_cpus_with_root(s->root);
    if (with == 0) {
        return;
    }
    // Interrupts off: this CPU's part must run where cpus_current() said.
    bool was_enabled = intr_enabled();
    if (was_enabled) {
        intr_disable();
    }
    flush_here((void *)s);
    cpus_mask_t others = with & ~cpus_mask_of(cpus_current());
    if (others != 0) {
        unsigned called = cpus_call_many(others, flush_here, (void *)s);
        if (called != 0) {
            __atomic_fetch_add(&rounds, 1, __ATOMIC_RELAXED);
            __atomic_fetch_add(&cpus_called, called, __ATOMIC_RELAXED);
        }
    }
    if (was_enabled) {
        intr_enable();
    }
}

static void flush_everything_here(void *unused)
{
    (void)unused;
    mmu_flush_global();
}

void tlb_flush_kernel_everywhere(void)
{
    bool was_enabled = intr_enabled();
    if (was_enabled) {
        intr_disable();
    }
    flush_everything_here(NULL);
    unsigned called = cpus_call_others(flush_everything_here, NULL);
    if (called != 0) {
        __atomic_fetch_add(&rounds, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&cpus_called, called, __ATOMIC_RELAXED);
    }
    if (was_enabled) {
        intr_enable();
    }
}

void tlb_batch_start(struct tlb_batch *batch, paddr_t root)
{
    batch->root = root;
    batch->pages = 0;
    batch->whole = false;
}

void tlb_batch_add(struct tlb_batch *batch, vaddr_t va)
{
    tlb_batch_add_then(batch, va, NULL, NULL, 0);
}

void tlb_batch_add_then(struct tlb_batch *batch, vaddr_t va, tlb_after_fn *after, void *ctx,
                        uint64_t value)
{
    if (batch->pages == TLB_BATCH_PAGES) {
        if (after == NULL) {
            batch->whole = true;  // nothing to remember about this page
            return;
        }
        tlb_batch_finish(batch);  // makes room
    }
    batch->page[batch->pages++] =
        (struct tlb_pending){.va = va, .after = after, .ctx = ctx, .value = value};
}

void tlb_batch_finish(struct tlb_batch *batch)
{
    if (batch->pages == 0) {
        return;  // (whole is set only in a full batch)
    }
    struct shootdown s = {
        .root = batch->root,
        .whole = batch->whole,
        .pages = batch->pages,
        .page = batch->page,
    };
    shoot(&s);
    for (size_t i = 0; i < batch->pages; i++) {
        const struct tlb_pending *p = &batch->page[i];
        if (p->after != NULL) {
            p->after(p->ctx, p->va, p->value);
        }
    }
    batch->pages = 0;
    batch->whole = false;
}

void tlb_flush_page(paddr_t root, vaddr_t va)
{
    struct tlb_pending page = {.va = va};
    struct shootdown s = {.root = root, .pages = 1, .page = &page};
    shoot(&s);
}

void tlb_flush_all(paddr_t root)
{
    struct shootdown s = {.root = root, .whole = true};
    shoot(&s);
}

struct vpmap_shootdowns vpmap_shootdowns(void)
{
    return (struct vpmap_shootdowns){
        .rounds = __atomic_load_n(&rounds, __ATOMIC_RELAXED),
        .cpus_called = __atomic_load_n(&cpus_called, __ATOMIC_RELAXED),
    };
}
