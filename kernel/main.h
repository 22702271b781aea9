#pragma once

// The portable kernel's entry point.

#include "kernel/boot_info.h"

// Called once by the architecture's start code, on the boot stack, with
// interrupts off, the console ready and the CPU's traps and timer set up.
// Turns interrupts on once the portable kernel is initialized. Never returns.
_Noreturn void kernel_main(const struct boot_info *boot_info);
