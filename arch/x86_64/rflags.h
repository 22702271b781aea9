#pragma once

// RFLAGS: the bits (SDM vol. 1, 3.4.3; vol. 3A, 2.3), and the flags osv's
// kernel runs with.
//
// Ring 3 can set some flags itself, with popfq: the status flags, TF
// (single step), DF (direction), NT (nested task), AC (alignment check) and
// ID; at CPL 3 the CPU silently keeps IF and IOPL as they are. Those are
// the program's own business: they are saved at every way into the kernel
// and given back on the way out. Kernel code must never run with them: TF
// would single-step the kernel, DF breaks the C ABI (string instructions
// run backwards), NT makes iretq raise #GP in 64-bit mode, AC would open
// user memory to the kernel on a CPU with SMAP. So every entry leaves
// RFLAGS_KERNEL_ENTRY, each by its own means:
//  - syscall: the flag mask MSR clears every flag (syscall_init);
//  - interrupts and exceptions: the interrupt gate clears IF, TF, NT and
//    RF but not DF or AC, so trap_common loads the flags whole;
//  - the context switch saves and restores RFLAGS per thread, so a thread
//    never inherits the flags of the thread that ran before it;
//  - boot: the loader leaves most flags undefined; boot_entry loads them.
// The C entry points check it, and the flags every return to ring 3 takes
// back (trap_check_entry_flags, trap_check_user_flags in trap.h).
//
// Included by assembly too: plain integer constants only.

#define RFLAGS_CF   0x1       // carry
#define RFLAGS_ONE  0x2       // reserved, always 1
#define RFLAGS_PF   0x4       // parity
#define RFLAGS_AF   0x10      // auxiliary carry
#define RFLAGS_ZF   0x40      // zero
#define RFLAGS_SF   0x80      // sign
#define RFLAGS_TF   0x100     // trap: a #DB after each instruction
#define RFLAGS_IF   0x200     // interrupts enabled
#define RFLAGS_DF   0x400     // direction: string instructions count down
#define RFLAGS_OF   0x800     // overflow
#define RFLAGS_IOPL 0x3000    // I/O privilege level, 2 bits
#define RFLAGS_NT   0x4000    // nested task: iretq raises #GP in 64-bit mode
#define RFLAGS_RF   0x10000   // resume: no instruction breakpoint for one instruction
#define RFLAGS_VM   0x20000   // virtual-8086 mode (not in long mode)
#define RFLAGS_AC   0x40000   // alignment check (ring 3, with CR0.AM); SMAP override
#define RFLAGS_VIF  0x80000   // virtual interrupt flag
#define RFLAGS_VIP  0x100000  // virtual interrupt pending
#define RFLAGS_ID   0x200000  // CPUID available (a scratch bit)

// Every defined flag but the always-one bit.
#define RFLAGS_ALL                                                                                 \
    (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_TF | RFLAGS_IF |           \
     RFLAGS_DF | RFLAGS_OF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM | RFLAGS_AC |         \
     RFLAGS_VIF | RFLAGS_VIP | RFLAGS_ID)

// RFLAGS right after any entry into the kernel: every flag clear,
// interrupts off.
#define RFLAGS_KERNEL_ENTRY RFLAGS_ONE

// Flags kernel code must never run with (IF aside: the kernel's own to turn
// on and off).
#define RFLAGS_KERNEL_FORBIDDEN                                                                    \
    (RFLAGS_TF | RFLAGS_DF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM | RFLAGS_AC |         \
     RFLAGS_VIF | RFLAGS_VIP)

#ifndef __ASSEMBLER__

#include <stdint.h>

// The current RFLAGS. (The kernel has no red zone: the push is safe.)
static inline uint64_t rflags_read(void)
{
    uint64_t rflags;
    __asm__ volatile("pushfq; popq %0" : "=r"(rflags));
    return rflags;
}

#endif
