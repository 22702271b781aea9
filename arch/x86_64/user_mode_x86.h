#pragma once

// x86-specific parts of user mode (arch/x86_64/user_mode.c).

#include "arch/x86_64/trap.h"

// Programs this CPU's system call MSRs (EFER.SCE, STAR, LSTAR, FMASK): each
// CPU has its own. Once per CPU at boot, interrupts off.
void syscall_init(void);

// The C side of syscall_entry.S: dispatches the system call in tf.
void syscall_trap(struct trap_frame *tf);
