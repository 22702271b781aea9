#pragma once

// Traps: how every interrupt and exception reaches C.
//
// Each of the 256 IDT vectors has a stub in trap_entry.S. The CPU pushes
// ss, rsp, rflags, cs, rip and, for some exceptions, an error code; the stub
// pushes a dummy error code 0 where the CPU pushes none, then the vector, and
// jumps to trap_common, which saves every general register below them. The
// result is one uniform `struct trap_frame` on the stack, whatever the
// vector. trap_common calls trap_dispatch(frame), then restores the
// registers from the frame (so a handler may change them) and returns with
// iretq.
//
// The IDT uses interrupt gates only, so handlers run with interrupts off.
// Exceptions and interrupts in ring 0 run on the current kernel stack, except
// double faults and NMIs, which get IST stacks (gdt.h). From ring 3 the CPU
// first switches to the TSS's rsp0.
//
// This header is also included by trap_entry.S: the offsets below are the
// one definition of the frame layout for assembly, and trap.c checks each
// against the C struct with _Static_assert.

#include "arch/x86_64/vectors.h"

// Page-fault error code bits (SDM vol. 3A, 4.7).
#define PF_PRESENT  (1u << 0)  // 0: page not present; 1: protection violation
#define PF_WRITE    (1u << 1)  // the access was a write
#define PF_USER     (1u << 2)  // the access came from ring 3
#define PF_RESERVED (1u << 3)  // a reserved bit was set in a paging entry
#define PF_FETCH    (1u << 4)  // the access was an instruction fetch

// Byte offsets of struct trap_frame's fields.
#define TF_RAX        0
#define TF_RBX        8
#define TF_RCX        16
#define TF_RDX        24
#define TF_RSI        32
#define TF_RDI        40
#define TF_RBP        48
#define TF_R8         56
#define TF_R9         64
#define TF_R10        72
#define TF_R11        80
#define TF_R12        88
#define TF_R13        96
#define TF_R14        104
#define TF_R15        112
#define TF_VECTOR     120  // pushed by the stub
#define TF_ERROR_CODE 128  // pushed by the CPU or, as 0, by the stub
#define TF_RIP        136  // from here on pushed by the CPU
#define TF_CS         144
#define TF_RFLAGS     152
#define TF_RSP        160
#define TF_SS         168
#define TF_SIZE       176  // a multiple of 16: the stack stays 16-byte aligned

// Bytes of each stub in trap_entry.S: vector v's stub is at
// trap_stubs + v * TRAP_STUB_SIZE.
#define TRAP_STUB_SIZE 16

#ifndef __ASSEMBLER__

#include <stdbool.h>
#include <stdint.h>

// The machine state at the moment of a trap, lowest address first.
struct trap_frame {
    // Saved by trap_common.
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    // Pushed by the vector's stub.
    uint64_t vector;
    uint64_t error_code;  // 0 for vectors without one
    // Pushed by the CPU.
    uint64_t rip;
    uint64_t cs;
    uint64_t rflags;
    uint64_t rsp;
    uint64_t ss;
};

// The first of the 256 stubs (trap_entry.S), for the IDT.
extern const char trap_stubs[];

// The one C entry point for every vector; called by trap_common only.
void trap_dispatch(struct trap_frame *tf);

// Checks of the flag rules of rflags.h, cheap enough for every entry (a
// pushfq, a mask, a branch); each panics with the flags on a violation, so
// a regression shows at the entry that caused it rather than later.
//
// trap_check_entry_flags: RFLAGS now holds none of RFLAGS_KERNEL_FORBIDDEN,
// and interrupts are off. The C entry points (trap_dispatch, syscall_trap)
// call it first; `entry` names the caller.
void trap_check_entry_flags(const char *entry);

// trap_check_user_flags: the flags a frame would take back to ring 3 have
// interrupts on and IOPL 0 (the program cannot change either itself, so
// anything else came from the kernel). Called before every return to user
// mode.
void trap_check_user_flags(const struct trap_frame *tf);

// True when the trap interrupted ring 3 (the requested privilege level of
// the saved code segment).
static inline bool trap_from_user(const struct trap_frame *tf)
{
    return (tf->cs & 3) == 3;
}

#endif
