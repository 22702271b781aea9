#include "kernel/kprintf.h"

#include "arch/console.h"
#include "kernel/lib/fmt.h"

static void console_emit(void *ctx, char c)
{
    (void)ctx;
    console_putc(c);
}

int kvprintf(const char *format, va_list args)
{
    return fmt_vformat(console_emit, NULL, format, args);
}

int kprintf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = kvprintf(format, args);
    va_end(args);
    return n;
}
