#pragma once

// Kernel stacks: one per thread, for running kernel code on its behalf
// (system calls, faults, interrupts from user mode).
//
// On x86_64 each stack is KSTACK_SIZE bytes mapped in a dedicated region of
// the kernel half, with an unmapped guard page below it: a thread that
// overflows its stack takes a page fault on the guard page, which the trap
// code reports, instead of silently overwriting memory below.

#include <stddef.h>

#include "kernel/addr.h"
#include "kernel/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KSTACK_SIZE (16 * 1024)

struct kstack {
    vaddr_t bottom;  // lowest usable address
    vaddr_t top;     // one past the highest; the initial stack pointer
};

// Allocates and maps a stack, every byte zero (under QEMU, a frame that
// held code is otherwise slow to write to: see kstack.c). Returns ERR_OK,
// ERR_NOMEM (no memory for the pages or their tables), or ERR_NOSPACE (all
// stack slots in use). On error nothing stays allocated. Now and then (when
// only places of freed stacks are left) it interrupts every other CPU to
// flush their translations, and waits for them: so the caller must have
// interrupts on, and hold no spinlock that another CPU may be spinning for.
err_t kstack_alloc(struct kstack *stack) MUST_CHECK;

// Unmaps and frees a stack from kstack_alloc. Must not be the running stack.
// Other CPUs may still cache its translations: its place is not handed out
// again until they have dropped them (kstack_alloc sees to it).
void kstack_free(struct kstack *stack);

#ifdef __cplusplus
}
#endif
