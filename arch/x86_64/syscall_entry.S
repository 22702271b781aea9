// System call entry: the `syscall` instruction lands here (MSR LSTAR, set by
// syscall_init in user_mode.c).
//
// The CPU has put the user's %rip in %rcx and %rflags in %r11, cleared
// every flag (MSR FMASK, see syscall_init: RFLAGS is 0x2 here, interrupts
// off, DF clear) and switched to ring 0, but not the stack: %rsp still
// points into user memory. Nothing may run on that stack: IF is clear, so
// no interrupt comes in; TF is clear, and the CPU decides on a single-step
// trap after syscall from the flags syscall leaves, so no #DB comes after
// the first instruction either; NMIs and double faults have stacks of
// their own (IST, gdt.h). We switch to the running thread's kernel stack
// and build there the same struct trap_frame an interrupt from ring 3 would
// (arch/x86_64/trap.h), so that everything after this (exec, fork, the kill
// path) handles one kind of frame. The kernel stack top and, for a moment,
// the user %rsp are kept in this CPU's struct cpu (percpu.h), reached
// through GS once swapgs has loaded the kernel's base: no general register
// is free before the user's are saved.

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu_asm.h"
#include "arch/x86_64/trap_frame_macros.inc"

    .text
    .global syscall_entry
syscall_entry:
    swapgs                      // this CPU's GS base for the kernel (percpu.h)
    mov %rsp, %gs:CPU_SYSCALL_USER_RSP
    mov %gs:CPU_SYSCALL_KERNEL_RSP, %rsp
    pushq $(GDT_USER_DATA | SELECTOR_RPL_USER)   // ss
    pushq %gs:CPU_SYSCALL_USER_RSP               // rsp
    push %r11                                    // rflags
    pushq $(GDT_USER_CODE | SELECTOR_RPL_USER)   // cs
    push %rcx                                    // rip
    pushq $0                                     // error code
    pushq $VECTOR_SYSCALL                        // vector
    sub $TF_VECTOR, %rsp
    save_general_registers
    xor %ebp, %ebp
    mov %rsp, %rdi
    call syscall_trap

    // syscall_trap returns with interrupts off. sysretq loads %rip from %rcx;
    // with a non-canonical address there it would fault in ring 0 on Intel
    // CPUs, so anything outside the user half leaves through iretq (which
    // swaps GS itself). Its fault would panic; no program reaches one.
    mov TF_RIP(%rsp), %rcx
    mov $0x0000800000000000, %r11
    cmp %r11, %rcx
    jae trap_return
    restore_general_registers_but_rcx_r11
    mov TF_RFLAGS(%rsp), %r11
    mov TF_RSP(%rsp), %rsp
    swapgs                      // the program's GS base back
    sysretq
