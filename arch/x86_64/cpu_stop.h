#pragma once

// Stopping the other CPUs (arch/cpus.h's cpus_stop_others): the panicking
// CPU raises a flag and sends every other CPU an NMI, which no cli holds
// back; each one's NMI handler sees the flag, confirms, and halts.

#include <stdbool.h>

// True once some CPU has called cpus_stop_others: an NMI is then a request
// to stop. Safe in any handler.
bool cpu_stop_requested(void);

// Confirms the stop and halts this CPU with interrupts off, forever. Called
// by the NMI handler; uses neither GS nor locks (it may run in the window
// between swapgs and iretq).
_Noreturn void cpu_stop_here(void);
