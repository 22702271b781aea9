#pragma once

// Ways for a child to fault on purpose: reads and writes of kernel,
// non-canonical and NULL addresses, writes to text and rodata, executing
// data, stack overflow, a kernel-address stack, ud2, division by zero,
// privileged instructions, ... Each must end the child with
// EXIT_STATUS_KILLED; a child that survives exits ST_FAULT_SURVIVED.

enum {
    FAULT_RECURSION = 5,  // stack overflow by recursion: it writes every page below the stack
    FAULT_KINDS = 26,
};

// What kind k does, for mismatch lines.
extern const char *const fault_names[FAULT_KINDS];

// In a child: faults in way `kind` (0..FAULT_KINDS-1).
_Noreturn void fault_now(int kind);
