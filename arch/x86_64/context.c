#include "arch/context.h"

#include <stdint.h>

#include "arch/x86_64/rflags.h"
#include "kernel/panic.h"

// The layout context_switch.S pushes and pops, lowest address first: RFLAGS,
// the six callee-saved registers of the System V ABI, then the return
// address.
struct context {
    uint64_t rflags;
    uint64_t r15;
    uint64_t r14;
    uint64_t r13;
    uint64_t r12;
    uint64_t rbx;
    uint64_t rbp;
    uint64_t rip;
};

// In context_switch.S: calls rbx(r12) with a fresh frame-pointer chain.
void context_entry_trampoline(void);

struct context *context_init(vaddr_t stack_top, void (*entry)(void *), void *arg)
{
    kassert((stack_top & 15) == 0);
    // After context_switch pops this frame and returns into the trampoline,
    // %rsp is stack_top: 16-byte aligned, as the ABI wants before a call.
    struct context *c = (struct context *)stack_top - 1;
    // The new thread starts with the kernel's flags, interrupts off: it is
    // switched to, like any thread, from inside the scheduler with its lock
    // held, and turns interrupts on when it drops that lock
    // (sched_start_thread sets the outer interrupt state to on).
    *c = (struct context){
        .rflags = RFLAGS_KERNEL_ENTRY,
        .r12 = (uint64_t)arg,
        .rbx = (uint64_t)entry,
        .rip = (uint64_t)context_entry_trampoline,
    };
    return c;
}
