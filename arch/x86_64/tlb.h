#pragma once

// TLB shootdowns: dropping a page table's stale translations on every CPU
// that may hold them.
//
// A CPU caches translations of the page table it has loaded (in its TLB, and
// the upper levels' entries in its paging-structure caches), and of no
// other: loading a root drops every user-half translation. So when an entry
// changes in a way that an old translation must not outlive (a mapping
// removed, its permission changed, its frame replaced, a table unlinked),
// every CPU that has that table loaded must drop what it cached, and the
// change may be relied on (the old frame freed, a write assumed impossible)
// only once all of them did: the CPU making the change does it with invlpg,
// the others in a cross-CPU call (arch/cpus.h's cpus_call_many), by
// interrupt. mmu_cpus_with_root (mmu.h) says which CPUs have a root loaded;
// mmu.c argues why it cannot miss one that could still use the old entry.
//
// A round of calls costs every CPU it reaches an interrupt, so a vpmap call
// gathers the pages it changes in a batch and flushes them together, in one
// round:
//
//     struct tlb_batch flush;
//     tlb_batch_start(&flush, vpmap->root);
//     ... for each entry changed: tlb_batch_add(&flush, va);
//     tlb_batch_finish(&flush);  // no CPU holds an old translation now
//
// Past TLB_BATCH_PAGES pages a batch stops listing them and flushes every
// user-half translation instead (a CR3 reload on each CPU), still in one
// round. What must wait for the flush, such as handing an unmapped page back
// to its owner, goes into the batch with its page (tlb_batch_add_then): it
// runs once the page is flushed everywhere. A full batch with such work
// pending is flushed as a round of its own, so such calls take one round
// per TLB_BATCH_PAGES pages.
//
// Context: a batch lives on its user's stack, used by one thread. A round
// waits for the other CPUs with interrupts off, and a CPU answers only when
// its interrupts are on (arch/cpus.h): so the caller must not hold a
// spinlock that a CPU with the root loaded may be spinning for with
// interrupts off, or both wait forever. Several CPUs may flush at once.
//
// Built for the machine and for the host, where the CPUs and MMU are
// testing/fake_cpus.h and testing/fake_mmu.h: both page tables
// (arch/x86_64/vpmap.c and testing/fake_vpmap.cc) flush through here, and
// it counts the rounds for sysinfo (arch/vpmap.h, vpmap_shootdowns).

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

// Pages a batch lists one by one; past that it flushes everything.
#define TLB_BATCH_PAGES 32

// Work that waits for a page's flush (tlb_batch_add_then): called with the
// page and the caller's ctx and value, once no CPU can reach the page's old
// translation any more. It must not use the batch.
typedef void tlb_after_fn(void *ctx, vaddr_t va, uint64_t value);

// A page of a batch. Private to tlb.c.
struct tlb_pending {
    vaddr_t va;
    tlb_after_fn *after;  // or NULL
    void *ctx;
    uint64_t value;
};

// The pages of one page table changed since the batch started or was last
// flushed. Private to tlb.c: use the functions below.
struct tlb_batch {
    paddr_t root;
    size_t pages;  // listed in page[]
    bool whole;    // more changed than page[] holds: flush every translation
    struct tlb_pending page[TLB_BATCH_PAGES];
};

// Starts an empty batch for the page table whose root (PML4) is `root`.
void tlb_batch_start(struct tlb_batch *batch, paddr_t root);

// The translation of the page at va (page-aligned) changed: the batch's
// flush drops it.
void tlb_batch_add(struct tlb_batch *batch, vaddr_t va);

// The same, and after(ctx, va, value) once the page is flushed on every CPU,
// before tlb_batch_finish returns (or sooner: a full batch is flushed
// first). Pages are flushed, and their work run, in the order added.
void tlb_batch_add_then(struct tlb_batch *batch, vaddr_t va, tlb_after_fn *after, void *ctx,
                        uint64_t value);

// Flushes what the batch holds on every CPU that has its root loaded (none
// but those; nothing at all if no CPU has it), runs the pending work, and
// leaves the batch empty, ready for more. Returns when all is done.
void tlb_batch_finish(struct tlb_batch *batch);

// One page, or every user-half translation, of the page table whose root is
// `root`, flushed on every CPU that has it loaded, now: a batch of its own.
void tlb_flush_page(paddr_t root, vaddr_t va);
void tlb_flush_all(paddr_t root);

// Every online CPU drops every translation it caches, the kernel half's
// global ones included (which loading a root keeps), now, in one round:
// for kernel mappings that went away (arch/x86_64/kstack.c). Same context
// rules as a batch (above).
void tlb_flush_kernel_everywhere(void);

#ifdef __cplusplus
}
#endif
