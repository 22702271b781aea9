// System call entry: the `syscall` instruction lands here (MSR LSTAR, set by
// syscall_init in user_mode.c).
//
// The CPU has put the user's %rip in %rcx and %rflags in %r11, cleared IF
// (MSR FMASK), and switched to ring 0, but not the stack: %rsp still points
// into user memory. We switch to the running thread's kernel stack and build
// there the same struct trap_frame an interrupt from ring 3 would
// (arch/x86_64/trap.h), so that everything after this (exec, fork, the kill
// path) handles one kind of frame. osv runs one CPU, so a global holds the
// kernel stack top and another, for a moment, the user %rsp.

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"

    .bss
    .balign 8
    .global syscall_kernel_rsp
syscall_kernel_rsp:
    .skip 8
syscall_user_rsp:
    .skip 8

    .text
    .global syscall_entry
syscall_entry:
    mov %rsp, syscall_user_rsp(%rip)
    mov syscall_kernel_rsp(%rip), %rsp
    pushq $(GDT_USER_DATA | SELECTOR_RPL_USER)   // ss
    pushq syscall_user_rsp(%rip)                 // rsp
    push %r11                                    // rflags
    pushq $(GDT_USER_CODE | SELECTOR_RPL_USER)   // cs
    push %rcx                                    // rip
    pushq $0                                     // error code
    pushq $VECTOR_SYSCALL                        // vector
    sub $TF_VECTOR, %rsp
    mov %rax, TF_RAX(%rsp)
    mov %rbx, TF_RBX(%rsp)
    mov %rcx, TF_RCX(%rsp)
    mov %rdx, TF_RDX(%rsp)
    mov %rsi, TF_RSI(%rsp)
    mov %rdi, TF_RDI(%rsp)
    mov %rbp, TF_RBP(%rsp)
    mov %r8, TF_R8(%rsp)
    mov %r9, TF_R9(%rsp)
    mov %r10, TF_R10(%rsp)
    mov %r11, TF_R11(%rsp)
    mov %r12, TF_R12(%rsp)
    mov %r13, TF_R13(%rsp)
    mov %r14, TF_R14(%rsp)
    mov %r15, TF_R15(%rsp)
    cld
    xor %ebp, %ebp
    mov %rsp, %rdi
    call syscall_trap

    // syscall_trap returns with interrupts off. sysretq loads %rip from %rcx;
    // with a non-canonical address there it would fault in ring 0 on Intel
    // CPUs, so anything outside the user half leaves through iretq instead
    // (whose fault, if any, is taken as a user fault).
    mov TF_RIP(%rsp), %rcx
    mov $0x0000800000000000, %r11
    cmp %r11, %rcx
    jae trap_return
    mov TF_RAX(%rsp), %rax
    mov TF_RBX(%rsp), %rbx
    mov TF_RDX(%rsp), %rdx
    mov TF_RSI(%rsp), %rsi
    mov TF_RDI(%rsp), %rdi
    mov TF_RBP(%rsp), %rbp
    mov TF_R8(%rsp), %r8
    mov TF_R9(%rsp), %r9
    mov TF_R10(%rsp), %r10
    mov TF_R12(%rsp), %r12
    mov TF_R13(%rsp), %r13
    mov TF_R14(%rsp), %r14
    mov TF_R15(%rsp), %r15
    mov TF_RFLAGS(%rsp), %r11
    mov TF_RSP(%rsp), %rsp
    sysretq
