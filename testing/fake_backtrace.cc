// Backtraces on the host (see arch/backtrace.h): none. Host code that fails
// aborts, and the debugger or sanitizer that runs it knows the host's frames
// better than a frame-pointer walk would.

#include <cstdint>
#include <cstdio>

extern "C" {
#include "arch/backtrace.h"
}

extern "C" void backtrace_print(uintptr_t pc, const void *frame)
{
    (void)pc;
    (void)frame;
    std::fprintf(stderr, "(no kernel backtrace on the host)\n");
}
