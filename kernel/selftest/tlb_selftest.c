#include "kernel/selftest/tlb_selftest.h"

#include <stddef.h>
#include <stdint.h>

#include "arch/cpus.h"
#include "arch/kmap.h"
#include "arch/kstack.h"
#include "arch/page.h"
#include "arch/vpmap.h"
#include "kernel/kprintf.h"
#include "kernel/lib/string.h"
#include "kernel/mm/memperm.h"
#include "kernel/mm/pmem.h"
#include "kernel/panic.h"

// Where the test's pages are: a user address, and 40 pages that share one
// page table with a keeper page, so that unmapping them frees no table.
#define BASE        ((vaddr_t)0x40000000)
#define MAX_PAGES   40
#define KEEPER      (BASE + 256 * PAGE_SIZE)
#define OLD_BYTE    0x10  // page i's old frame holds OLD_BYTE + i
#define NEW_BYTE    0x80  // and its new frame NEW_BYTE + i
#define READER_CPU  1
#define CHANGER_CPU 2

struct tlb_case {
    const char *name;
    size_t pages;        // at BASE
    bool changer_loads;  // the changing CPU has v loaded too
    void (*change)(struct tlb_case *c);
    unsigned want_rounds;  // shootdown rounds the change takes
    unsigned want_calls;   // cross-CPU calls they make

    struct vpmap *v;
    paddr_t old_frame[MAX_PAGES];
    paddr_t new_frame[MAX_PAGES];
    size_t handed_back;         // pages vpmap_unmap reported
    bool handed_back_wrong;     // a page that was not one of the case's
    uint8_t before[MAX_PAGES];  // what the reader read before the change
    uint8_t after[MAX_PAGES];   // and after
    uint8_t changer_after[MAX_PAGES];
    struct vpmap_shootdowns counted;  // during the change
};

static uint8_t read_user(vaddr_t va)
{
    return *(volatile const uint8_t *)va;
}

static void read_pages(const struct tlb_case *c, uint8_t *out)
{
    for (size_t i = 0; i < c->pages; i++) {
        out[i] = read_user(BASE + i * PAGE_SIZE);
    }
}

static paddr_t filled_page(uint8_t byte)
{
    paddr_t page;
    if (pmem_alloc(&page) != ERR_OK) {
        panic("selftest tlb: out of memory");
    }
    memset(kmap_p2v(page), byte, PAGE_SIZE);
    return page;
}

// --- The changes, made on CHANGER_CPU ------------------------------------

static void change_replace(struct tlb_case *c)
{
    paddr_t old = vpmap_replace(c->v, BASE, c->new_frame[0], MEMPERM_URW);
    kassert(old == c->old_frame[0]);
}

// vpmap_unmap's callback: counts the pages handed back, each of which must
// be one of the case's old frames (kept to compare: freed at the end).
static void handed_back(void *ctx, vaddr_t va, paddr_t page, memperm_t perm)
{
    (void)perm;
    struct tlb_case *c = ctx;
    size_t i = (va - BASE) / PAGE_SIZE;
    if (i >= c->pages || page != c->old_frame[i]) {
        c->handed_back_wrong = true;  // not a page of ours: reported as a failure
    }
    c->handed_back++;
}

static void map_new_frames(struct tlb_case *c)
{
    for (size_t i = 0; i < c->pages; i++) {
        err_t err = vpmap_map(c->v, BASE + i * PAGE_SIZE, c->new_frame[i], 1, MEMPERM_URW);
        kassert(err == ERR_OK);  // the page table is still there: nothing to allocate
    }
}

static void change_unmap_handed_back(struct tlb_case *c)
{
    size_t n = vpmap_unmap(c->v, BASE, c->pages, handed_back, c);
    kassert(n == c->pages);
    map_new_frames(c);
}

static void change_unmap_silently(struct tlb_case *c)
{
    size_t n = vpmap_unmap(c->v, BASE, c->pages, NULL, NULL);
    kassert(n == c->pages);
    c->handed_back = n;
    map_new_frames(c);
}

// --- The two CPUs' parts ---------------------------------------------------

static void on_changer(void *arg)
{
    struct tlb_case *c = arg;
    if (c->changer_loads) {
        vpmap_load(c->v);
        uint8_t seen[MAX_PAGES];
        read_pages(c, seen);  // cached here too
    }
    struct vpmap_shootdowns start = vpmap_shootdowns();
    c->change(c);
    struct vpmap_shootdowns end = vpmap_shootdowns();
    c->counted.rounds = end.rounds - start.rounds;
    c->counted.cpus_called = end.cpus_called - start.cpus_called;
    if (c->changer_loads) {
        read_pages(c, c->changer_after);
        vpmap_load(vpmap_kernel());
    }
}

// The reader keeps v loaded across the change, so that only a flush can
// drop what its TLB cached (a CR3 load would drop it all).
static void on_reader(void *arg)
{
    struct tlb_case *c = arg;
    vpmap_load(c->v);
    read_pages(c, c->before);
    cpus_call(CHANGER_CPU, on_changer, c);
    read_pages(c, c->after);
    // What this CPU had loaded: the kernel's table, in its idle loop.
    vpmap_load(vpmap_kernel());
}

// --- One case --------------------------------------------------------------

static void drop_reference(void *ctx, vaddr_t va, paddr_t page, memperm_t perm)
{
    (void)ctx;
    (void)va;
    (void)perm;
    pmem_dec_refcnt(page);
}

static bool check_bytes(const struct tlb_case *c, const char *who, const uint8_t *seen,
                        uint8_t base)
{
    for (size_t i = 0; i < c->pages; i++) {
        if (seen[i] != (uint8_t)(base + i)) {
            kprintf("selftest tlb: FAIL: %s: page %zu: %s read 0x%x, not 0x%x%s\n", c->name, i, who,
                    seen[i], (uint8_t)(base + i),
                    base == NEW_BYTE && seen[i] == (uint8_t)(OLD_BYTE + i)
                        ? " (the old frame: a stale translation)"
                        : "");
            return false;
        }
    }
    return true;
}

static bool run_case(struct tlb_case *c)
{
    kassert(c->pages <= MAX_PAGES);
    if (vpmap_create(&c->v) != ERR_OK) {
        panic("selftest tlb: out of memory");
    }
    for (size_t i = 0; i < c->pages; i++) {
        c->old_frame[i] = filled_page((uint8_t)(OLD_BYTE + i));
        c->new_frame[i] = filled_page((uint8_t)(NEW_BYTE + i));
        err_t err = vpmap_map(c->v, BASE + i * PAGE_SIZE, c->old_frame[i], 1, MEMPERM_URW);
        kassert(err == ERR_OK);
    }
    err_t err = vpmap_map(c->v, KEEPER, filled_page(0), 1, MEMPERM_URW);
    kassert(err == ERR_OK);

    cpus_call(READER_CPU, on_reader, c);

    bool ok = check_bytes(c, "cpu 1, before the change,", c->before, OLD_BYTE) &&
              check_bytes(c, "cpu 1, after the change,", c->after, NEW_BYTE);
    if (ok && c->changer_loads) {
        ok = check_bytes(c, "cpu 2, after its change,", c->changer_after, NEW_BYTE);
    }
    if (c->handed_back_wrong || (c->change != change_replace && c->handed_back != c->pages)) {
        kprintf("selftest tlb: FAIL: %s: %zu pages handed back, of %zu\n", c->name, c->handed_back,
                c->pages);
        ok = false;
    }
    if (c->counted.rounds != c->want_rounds || c->counted.cpus_called != c->want_calls) {
        kprintf("selftest tlb: FAIL: %s: %lu shootdown rounds and %lu calls, not %u and %u\n",
                c->name, c->counted.rounds, c->counted.cpus_called, c->want_rounds, c->want_calls);
        ok = false;
    }
    if (ok) {
        kprintf("selftest tlb: %s: cpu 1 read the old frames, then the new ones (pages %zu, "
                "shootdown rounds %lu, calls %lu)\n",
                c->name, c->pages, c->counted.rounds, c->counted.cpus_called);
    }

    // The old frames the change took out: replace's, and unmap's, which the
    // test kept to compare; then everything still mapped, and v.
    for (size_t i = 0; i < c->pages; i++) {
        pmem_dec_refcnt(c->old_frame[i]);
    }
    vpmap_unmap(c->v, 0, VPMAP_USER_TOP / PAGE_SIZE, drop_reference, NULL);
    vpmap_destroy(c->v);  // panics if a CPU still had it loaded
    return ok;
}

// --- Kernel stacks ---------------------------------------------------------
//
// Every CPU maps the kernel stacks alike, with global entries that a switch
// of page table keeps: a CPU that ran on a stack may cache it after the
// stack is freed. The reader caches the bottom page of a stack; the stack
// is freed, and the frames it had are taken away and filled with
// STALE_STACK_BYTE. Then stacks are allocated until one lands in the same
// place (kstack_alloc hands out fresh places first, and a freed one only
// after every CPU flushed), filled with NEW_STACK_BYTE. The reader must see
// that, not the freed frame.

#define OLD_STACK_BYTE   0x5a
#define STALE_STACK_BYTE 0x66
#define NEW_STACK_BYTE   0x77
#define HELD_PAGES       8     // more than a stack has: whatever pmem hands out next
#define MAX_STACKS       2048  // more than the kernel stack region holds

static vaddr_t stack_page;
static struct kstack taken[MAX_STACKS];

static void read_stack_page(void *out)
{
    *(uint8_t *)out = *(volatile const uint8_t *)stack_page;
}

static bool kernel_stack_case(void)
{
    struct kstack first;
    if (kstack_alloc(&first) != ERR_OK) {
        panic("selftest tlb: out of memory");
    }
    stack_page = first.bottom;
    memset((void *)first.bottom, OLD_STACK_BYTE, PAGE_SIZE);
    uint8_t before;
    cpus_call(READER_CPU, read_stack_page, &before);
    kstack_free(&first);
    paddr_t held[HELD_PAGES];
    for (size_t i = 0; i < HELD_PAGES; i++) {
        if (pmem_alloc(&held[i]) != ERR_OK) {
            panic("selftest tlb: out of memory");
        }
        memset(kmap_p2v(held[i]), STALE_STACK_BYTE, PAGE_SIZE);
    }
    struct vpmap_shootdowns start = vpmap_shootdowns();
    size_t n = 0;
    bool again = false;
    while (n < MAX_STACKS && !again && kstack_alloc(&taken[n]) == ERR_OK) {
        again = taken[n].bottom == stack_page;
        n++;
    }
    struct vpmap_shootdowns end = vpmap_shootdowns();
    bool ok = again;
    if (!ok) {
        kprintf("selftest tlb: FAIL: kernel stack: %zu stacks taken, none in the freed place\n", n);
    }
    uint8_t after = 0;
    if (ok) {
        memset((void *)stack_page, NEW_STACK_BYTE, PAGE_SIZE);
        cpus_call(READER_CPU, read_stack_page, &after);
    }
    if (ok && (before != OLD_STACK_BYTE || after != NEW_STACK_BYTE)) {
        kprintf("selftest tlb: FAIL: kernel stack: cpu 1 read 0x%x, then 0x%x, not 0x%x then "
                "0x%x%s\n",
                before, after, OLD_STACK_BYTE, NEW_STACK_BYTE,
                after == STALE_STACK_BYTE ? " (the freed stack's frame: a stale translation)" : "");
        ok = false;
    }
    if (ok && end.rounds - start.rounds != 1) {
        kprintf("selftest tlb: FAIL: kernel stack: %lu flush rounds for %zu stacks, not 1\n",
                end.rounds - start.rounds, n);
        ok = false;
    }
    if (ok) {
        kprintf("selftest tlb: kernel stack: cpu 1 read the freed stack, then its successor in "
                "the same place, given out after one flush round\n");
    }
    for (size_t i = 0; i < n; i++) {
        kstack_free(&taken[i]);
    }
    for (size_t i = 0; i < HELD_PAGES; i++) {
        pmem_free(held[i]);
    }
    return ok;
}

static void nothing(void *arg)
{
    (void)arg;
}

bool tlb_selftest(void)
{
    kassert(cpus_current() == 0);
    unsigned others = cpus_call_others(nothing, NULL);
    if (others < 2) {
        kprintf("selftest tlb: FAIL: needs 3 CPUs online, has %u\n", others + 1);
        return false;
    }
    size_t free_before = pmem_free_pages();
    struct tlb_case cases[] = {
        {.name = "replace",
         .pages = 1,
         .change = change_replace,
         .want_rounds = 1,
         .want_calls = 1},
        {.name = "unmap, map another frame",
         .pages = 1,
         .change = change_unmap_handed_back,
         .want_rounds = 1,
         .want_calls = 1},
        {.name = "unmap 40 pages handed back",
         .pages = 40,
         .change = change_unmap_handed_back,
         .want_rounds = 2,
         .want_calls = 2},
        {.name = "unmap 40 pages, whole flush",
         .pages = 40,
         .change = change_unmap_silently,
         .want_rounds = 1,
         .want_calls = 1},
        {.name = "replace, loaded on the changing CPU too",
         .pages = 1,
         .changer_loads = true,
         .change = change_replace,
         .want_rounds = 1,
         .want_calls = 1},
    };
    bool ok = true;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok &= run_case(&cases[i]);
    }
    ok &= kernel_stack_case();
    if (pmem_free_pages() != free_before) {
        kprintf("selftest tlb: FAIL: %zu pages free after the cases, %zu before\n",
                pmem_free_pages(), free_before);
        ok = false;
    }
    return ok;
}
