// panic on the bare machine. See kernel/panic.h.

#include "kernel/panic.h"

#include <stdarg.h>
#include <stdbool.h>

#include "arch/backtrace.h"
#include "arch/interrupts.h"
#include "arch/machine.h"
#include "kernel/kprintf.h"

// Set by the first panic. A panic while printing the first one (a fault in
// the backtrace walk, a kassert in kprintf) must not recurse forever: it
// prints its message and stops the machine at once.
static bool panicking;

_Noreturn void panic(const char *format, ...)
{
    intr_disable();
    bool nested = panicking;
    panicking = true;

    kprintf(nested ? "\npanic while panicking: " : "\npanic: ");
    va_list args;
    va_start(args, format);
    kvprintf(format, args);
    va_end(args);
    kprintf("\n");
    if (!nested) {
        backtrace_print(0, __builtin_frame_address(0));
    }
    machine_shutdown(MACHINE_EXIT_FAILURE);
}
