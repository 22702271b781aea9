// panic on the host (see kernel/panic.h): print and abort(), so that death
// tests can expect kernel bugs the code detects.

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

extern "C" {
#include "kernel/panic.h"
}

extern "C" void panic(const char *format, ...)
{
    std::fprintf(stderr, "panic: ");
    va_list args;
    va_start(args, format);
    std::vfprintf(stderr, format, args);
    va_end(args);
    std::fprintf(stderr, "\n");
    std::abort();
}
