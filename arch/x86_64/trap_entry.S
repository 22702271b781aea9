// Trap entry: the 256 IDT stubs and the common path to trap_dispatch.
// See trap.h for the frame this builds and the rules handlers run under.

#include "arch/x86_64/rflags.h"
#include "arch/x86_64/trap_frame_macros.inc"

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
    save_general_registers

    // From ring 3, GS holds the program's base: swap in this CPU's
    // (percpu.h).
    testb $3, TF_CS(%rsp)
    jz 1f
    swapgs
1:

    // The interrupt gate cleared IF, TF, NT and RF, but the interrupted
    // code's DF and AC are still live: a program may have set either. Load
    // the kernel's flags whole (rflags.h): DF clear for the C ABI, AC clear
    // (with SMAP it would open user memory to the kernel), nothing of the
    // program's left. There is no clac to clear AC alone: it needs SMAP,
    // which the qemu64 CPU lacks (#UD). iretq gives the interrupted code its
    // own flags back from the frame.
    pushq $RFLAGS_KERNEL_ENTRY
    popfq

    // A zero frame pointer ends backtraces taken inside the handler here:
    // the interrupted code's frames are walked from the trap frame instead,
    // by whoever reports it.
    xor %ebp, %ebp
    mov %rsp, %rdi
    call trap_dispatch

// Restores the machine state from the struct trap_frame at %rsp and returns
// to it. Also the way into user mode for a new process (user_mode_enter) and
// the slow way back from a system call (syscall_entry.S).
    .global trap_return
trap_return:
    restore_general_registers_but_rcx_r11
    mov TF_RCX(%rsp), %rcx
    mov TF_R11(%rsp), %r11
    add $TF_RIP, %rsp           // drop the registers, vector and error code
    // Back to ring 3: give the program its GS base back (percpu.h).
    testb $3, 8(%rsp)           // the saved CS
    jz 1f
    swapgs
1:
    iretq
