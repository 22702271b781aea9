// panic on the bare machine. See kernel/panic.h.

#include "kernel/panic.h"

#include <stdarg.h>
#include <stdbool.h>

#include "arch/backtrace.h"
#include "arch/cpus.h"
#include "arch/interrupts.h"
#include "arch/machine.h"
#include "kernel/kprintf.h"

// The CPU of the first panic, or NO_CPU. A panic while printing the first
// one (a fault in the backtrace walk, a kassert in kprintf) must not recurse
// forever: it prints its message and stops the machine at once. Another CPU
// that panics at the same moment leaves the report to the first, which
// stops it.
#define NO_CPU (~0u)
static unsigned panicking_cpu = NO_CPU;

_Noreturn void panic(const char *format, ...)
{
    intr_disable();
    unsigned self = cpus_current();
    unsigned first = NO_CPU;
    bool nested = !__atomic_compare_exchange_n(&panicking_cpu, &first, self, false,
                                               __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    if (nested && first != self) {
        for (;;) {
            cpus_relax();  // until the first panic's stop request arrives
        }
    }
    // Nothing else may run while the kernel reports its own bug: the other
    // CPUs halt where they are (the state they leave is what the report
    // describes).
    unsigned stopped = nested ? 0 : cpus_stop_others();

    kprintf(nested ? "\npanic while panicking: " : "\npanic: ");
    va_list args;
    va_start(args, format);
    kvprintf(format, args);
    va_end(args);
    kprintf("\n");
    if (!nested) {
        kprintf("panic: on cpu %u; %u other CPUs stopped\n", self, stopped);
        backtrace_print(0, __builtin_frame_address(0));
    }
    machine_shutdown(MACHINE_EXIT_FAILURE);
}
