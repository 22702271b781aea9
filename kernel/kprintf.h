#pragma once

// kprintf: formatted output on the console (arch/console.h).
//
// Formats with kernel/lib/fmt (see fmt.h for the conversions: %d %i %u %x %lx
// %p %s %c %% with widths, '-' and zero padding). Safe to call from the first
// instruction of kernel_main on, and from any context: it never allocates.

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

// Prints to the console. Returns the number of characters printed.
int kprintf(const char *format, ...) __attribute__((format(printf, 1, 2)));

// kprintf with a va_list.
int kvprintf(const char *format, va_list args);

#ifdef __cplusplus
}
#endif
