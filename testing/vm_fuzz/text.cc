// String formatting (see text.h).

#include "testing/vm_fuzz/text.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>

namespace vm_fuzz {

std::string Printf(const char *format, ...)
{
    char buf[512];
    va_list args;
    va_start(args, format);
    vsnprintf(buf, sizeof buf, format, args);
    va_end(args);
    return buf;
}

std::string Hex(uint64_t x)
{
    return Printf("0x%" PRIx64, x);
}

}  // namespace vm_fuzz
