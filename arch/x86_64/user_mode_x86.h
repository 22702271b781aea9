#pragma once

// x86-specific parts of user mode (arch/x86_64/user_mode.c).

#include "arch/x86_64/trap.h"

// Programs the system call MSRs (EFER.SCE, STAR, LSTAR, FMASK). At boot.
void syscall_init(void);

// The C side of syscall_entry.S: dispatches the system call in tf.
void syscall_trap(struct trap_frame *tf);
