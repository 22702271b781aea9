#pragma once

// Backtraces: the chain of return addresses that led to a point in the
// kernel, printed on the console for a human to symbolize.
//
// osv is built with frame pointers everywhere, so a backtrace is a walk of
// saved frame pointers: no unwind tables, no allocation, usable from panic
// and from trap handlers. The walk checks each frame before reading it (see
// the implementation for the rules), so a corrupt chain ends the backtrace
// early instead of faulting inside it.
//
// On x86_64 (arch/x86_64/backtrace.c) the output is a numbered list of
// addresses plus a ready-to-paste llvm-symbolizer command line; on the host
// (testing/fake_backtrace.cc) it prints one line saying there is none.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Prints a backtrace: first `pc` (unless it is 0), then for the frame `frame`
// and each frame above it, an address inside the call instruction that
// created it (one byte before the saved return address, so a symbolizer
// names the line of the call).
//
// A function prints its callers with
//     backtrace_print(0, __builtin_frame_address(0));
// whose first line is the address its caller returns to. A trap handler
// passes the interrupted instruction and frame pointer instead.
void backtrace_print(uintptr_t pc, const void *frame);

#ifdef __cplusplus
}
#endif
