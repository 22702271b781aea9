#pragma once

// Entering and leaving user mode: the machine side of processes.
//
// While a thread runs user code, its user registers are saved, on every trap
// or system call, in a user frame at the top of its kernel stack (the CPU
// starts kernel entries from ring 3 at the stack top that
// user_mode_set_kernel_stack names). The process code reads and edits that
// frame (exec sets a new entry point and stack; fork copies it into the
// child with a zero result) and finally resumes it with user_mode_enter.

#include <stddef.h>
#include <stdint.h>

#include "kernel/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

struct user_frame;  // opaque: the architecture's saved user registers

// Bytes a user frame takes at the top of a kernel stack (a multiple of 16).
size_t user_frame_size(void);

// Makes f start a program: all registers zero except the instruction pointer
// (entry) and the stack pointer (sp); interrupts enabled.
void user_frame_init(struct user_frame *f, vaddr_t entry, vaddr_t sp);

// Sets the value a system call returns to user mode.
void user_frame_set_return(struct user_frame *f, int64_t value);

// Sets the first argument register (of the C calling convention) to value:
// what a function that f starts at receives as its first argument (a new
// thread's, kernel/proc.h).
void user_frame_set_arg(struct user_frame *f, uint64_t value);

// The user instruction pointer saved in f (for reports).
vaddr_t user_frame_pc(const struct user_frame *f);

// Resumes user mode with the registers in f, which must be the user frame
// at the top of the running thread's kernel stack. Never returns.
_Noreturn void user_mode_enter(struct user_frame *f);

// Where kernel entries from user mode (traps, interrupts, system calls) put
// their frame: the top of the thread about to run. The scheduler calls this
// on every switch.
void user_mode_set_kernel_stack(vaddr_t top);

#ifdef __cplusplus
}
#endif
