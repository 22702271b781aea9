// panic on the bare machine. See kernel/panic.h.

#include "kernel/panic.h"

#include <stdarg.h>

#include "arch/interrupts.h"
#include "arch/machine.h"
#include "kernel/kprintf.h"

_Noreturn void panic(const char *format, ...)
{
    intr_disable();
    kprintf("\npanic: ");
    va_list args;
    va_start(args, format);
    kvprintf(format, args);
    va_end(args);
    kprintf("\n");
    machine_shutdown(MACHINE_EXIT_FAILURE);
}
