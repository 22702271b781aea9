// Trap entry: the 256 IDT stubs and the common path to trap_dispatch.
// See trap.h for the frame this builds and the rules handlers run under.

#include "arch/x86_64/trap.h"

// Vectors for which the CPU pushes an error code (SDM vol. 3A, table 6-1):
// #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29,
// #SX 30. Every other stub pushes a 0 in its place.
#define HAS_ERROR_CODE(v) \
    ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

    .text

// One stub per vector, each exactly TRAP_STUB_SIZE bytes (.org fails the
// build if one grows past it), so the IDT finds vector v's stub at
// trap_stubs + v * TRAP_STUB_SIZE.
    .balign TRAP_STUB_SIZE
    .global trap_stubs
trap_stubs:
    .set vector, 0
    .rept VECTOR_COUNT
1:
    .if !HAS_ERROR_CODE(vector)
    pushq $0
    .endif
    pushq $vector
    jmp trap_common
    .org 1b + TRAP_STUB_SIZE, 0xcc
    .set vector, vector + 1
    .endr

// On entry the stack holds, from %rsp up: vector, error code, rip, cs,
// rflags, rsp, ss: the top of a struct trap_frame.
trap_common:
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

    // The C ABI wants the direction flag clear at calls; the interrupted
    // code may have set it (iretq restores its rflags). A zero frame pointer
    // ends backtraces taken inside the handler here: the interrupted code's
    // frames are walked from the trap frame instead, by whoever reports it.
    cld
    xor %ebp, %ebp
    mov %rsp, %rdi
    call trap_dispatch

// Restores the machine state from the struct trap_frame at %rsp and returns
// to it. Also the way into user mode for a new process (user_mode_enter) and
// the slow way back from a system call (syscall_entry.S).
    .global trap_return
trap_return:
    mov TF_RAX(%rsp), %rax
    mov TF_RBX(%rsp), %rbx
    mov TF_RCX(%rsp), %rcx
    mov TF_RDX(%rsp), %rdx
    mov TF_RSI(%rsp), %rsi
    mov TF_RDI(%rsp), %rdi
    mov TF_RBP(%rsp), %rbp
    mov TF_R8(%rsp), %r8
    mov TF_R9(%rsp), %r9
    mov TF_R10(%rsp), %r10
    mov TF_R11(%rsp), %r11
    mov TF_R12(%rsp), %r12
    mov TF_R13(%rsp), %r13
    mov TF_R14(%rsp), %r14
    mov TF_R15(%rsp), %r15
    add $TF_RIP, %rsp           // drop the registers, vector and error code
    iretq
