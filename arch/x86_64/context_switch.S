// void context_switch(struct context **save, struct context *load)
//
// Pushes the callee-saved registers (the return address is already on the
// stack) and RFLAGS, stores %rsp in *save, loads %rsp from `load` and pops
// the other thread's flags and registers in the same order (struct context
// in context.c), so `ret` returns into that thread. Caller-saved registers
// need no saving: the caller of a function already assumes they are
// clobbered.
//
// RFLAGS is per thread: without it, the thread switched to would run on
// with whatever flags the thread before it left (one that had picked up a
// program's NT once made the next iretq raise #GP). Every switch happens
// with interrupts off (the scheduler lock is held), so the popfq keeps them
// off: the interrupt bookkeeping of kernel/sync/intr.c sees no change.
    .text
    .global context_switch
context_switch:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    pushfq
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    popfq
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

// First code of a new thread (see context_init): entry in %rbx, argument in
// %r12. %rbp = 0 ends backtraces here. entry never returns.
    .global context_entry_trampoline
context_entry_trampoline:
    xor %ebp, %ebp
    mov %r12, %rdi
    call *%rbx
    ud2
