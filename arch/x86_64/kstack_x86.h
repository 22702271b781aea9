#pragma once

// x86-specific questions about kernel stacks (arch/x86_64/kstack.c).

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// True when [addr, addr + size) lies inside one allocated kernel stack (not
// its guard page), so that reading it cannot fault. For backtraces.
bool kstack_contains(uintptr_t addr, size_t size);
