#pragma once

// Self-test of cross-CPU calls (arch/cpus.h), run at boot on a machine with
// several CPUs online (kernel command line selftest=cpu_call and
// selftest=cpu_call_panic). The boot CPU runs them with interrupts on.
//
// Criteria checked:
//  1. cpus_call_others runs the function exactly once on every other online
//     CPU, there (each run sees its own CPU number), never on the caller,
//     and returns only once every run has finished (all reports are in).
//  2. It does so with the caller's interrupts off too, and leaves them as it
//     found them.
//  3. cpus_call runs the function on the CPU named and nowhere else.
//  4. (cpu_call_panic) A panic inside a call on another CPU is reported as
//     that CPU's, and stops every other CPU, the waiting caller included.
//  5. cpus_call_many runs it once on each online CPU of its set but the
//     caller, and leaves out the caller and CPUs that are absent.

#include <stdbool.h>

// Checks criteria 1 to 3 and 5 and prints what each CPU reported; true when
// all held.
bool cpu_call_selftest(void);

// Makes CPU 2 panic inside a call (criterion 4). Needs at least 3 CPUs
// online; does not return.
_Noreturn void cpu_call_panic_selftest(void);
