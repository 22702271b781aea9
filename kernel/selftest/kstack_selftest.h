#pragma once

// Self-test of kernel stacks (arch/kstack.h), run at boot (kernel command
// line selftest=kstack). The boot CPU runs it with interrupts on, and
// nothing else runs meanwhile.
//
// Criteria checked:
//  1. A new stack reads zero in every byte, also on frames that held
//     something else just before: the test fills as many frames as a stack
//     has with FILL_BYTE and frees them, then takes a stack, which pmem
//     builds from the frames freed last.
//  2. The stack did land on those frames (each page of it, written through
//     the stack, shows through the direct map of one of them): otherwise
//     criterion 1 would hold whatever kstack_alloc did.
//  3. No page leaks: free pages are back where they started.

#include <stdbool.h>

// Checks criteria 1 to 3, printing a line each; true when all held.
bool kstack_selftest(void);
