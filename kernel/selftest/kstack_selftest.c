// Boot-time self-test of kernel stacks (see kstack_selftest.h).
//
// Why zero matters (arch/x86_64/kstack.c): under QEMU's emulation, a frame
// that held code keeps its translations, and every store into it is slow,
// until each translated byte is overwritten; a stack is used at its top
// only. Frames that held a process's code are what pmem hands a new thread
// after a child exits (an eager fork gives each child its own copy).

#include "kernel/selftest/kstack_selftest.h"

#include <stddef.h>
#include <stdint.h>

#include "arch/kmap.h"
#include "arch/kstack.h"
#include "arch/page.h"
#include "kernel/kprintf.h"
#include "kernel/lib/string.h"
#include "kernel/mm/pmem.h"

#define STACK_PAGES ((size_t)(KSTACK_SIZE / PAGE_SIZE))
#define FILL_BYTE   0x5a  // what the frames held before the stack
#define MARK_BYTE   0xa5  // written through the stack, to find its frames

bool kstack_selftest(void)
{
    size_t free_before = pmem_free_pages();
    paddr_t frames[STACK_PAGES];
    for (size_t i = 0; i < STACK_PAGES; i++) {
        if (pmem_alloc(&frames[i]) != ERR_OK) {
            kprintf("kstack selftest: FAIL: out of memory\n");
            return false;
        }
        memset(kmap_p2v(frames[i]), FILL_BYTE, PAGE_SIZE);
    }
    for (size_t i = 0; i < STACK_PAGES; i++) {
        pmem_free(frames[i]);
    }
    struct kstack stack;
    if (kstack_alloc(&stack) != ERR_OK) {
        kprintf("kstack selftest: FAIL: no stack\n");
        return false;
    }
    bool ok = true;

    // 1. Every byte zero.
    size_t nonzero = 0;
    size_t first = 0;
    for (size_t off = KSTACK_SIZE; off-- > 0;) {
        uint8_t byte = ((volatile const uint8_t *)stack.bottom)[off];
        if (byte != 0) {
            nonzero++;
            first = off;
        }
    }
    if (nonzero != 0) {
        kprintf("kstack selftest: FAIL: %zu of %d bytes of a new stack are not zero (the first at "
                "offset %zu: 0x%x)\n",
                nonzero, KSTACK_SIZE, first, ((const uint8_t *)stack.bottom)[first]);
        ok = false;
    } else {
        kprintf("kstack selftest: a new stack reads zero in all %d bytes\n", KSTACK_SIZE);
    }

    // 2. On the frames just filled and freed.
    for (size_t page = 0; page < STACK_PAGES; page++) {
        ((volatile uint8_t *)stack.bottom)[page * PAGE_SIZE] = MARK_BYTE;
    }
    size_t reused = 0;
    for (size_t i = 0; i < STACK_PAGES; i++) {
        reused += *(volatile const uint8_t *)kmap_p2v(frames[i]) == MARK_BYTE;
    }
    if (reused != STACK_PAGES) {
        kprintf("kstack selftest: FAIL: the stack took %zu of the %zu frames filled with 0x%x "
                "just before, not all: the zero check proves nothing\n",
                reused, STACK_PAGES, FILL_BYTE);
        ok = false;
    } else {
        kprintf("kstack selftest: its %zu frames are the ones filled with 0x%x and freed just "
                "before\n",
                STACK_PAGES, FILL_BYTE);
    }

    // 3. No leak.
    kstack_free(&stack);
    if (pmem_free_pages() != free_before) {
        kprintf("kstack selftest: FAIL: %zu free pages after, %zu before\n", pmem_free_pages(),
                free_before);
        ok = false;
    }
    kprintf("kstack selftest: %s\n", ok ? "passed" : "failed");
    return ok;
}
