#pragma once

// Boot-time self-tests of the console as a file (kernel/fs/console.h).
//
// console_selftest (selftest=console) types through console_input, the
// entry point the receive interrupt uses, and reads the lines back through
// a console file: echo, editing, one line per read, end of file, a reader
// blocked until its line is finished, writes and stat. Needs the scheduler.
// Prints its findings (criteria in console_selftest.c); returns true when
// every check passed.
//
// console_typing (selftest=typing) needs someone typing, or input fed to
// COM1: it reads lines from a console file and prints each with its length,
// until end of file (Ctrl-D at the start of a line). It checks the real
// receive interrupt end to end:
//     bazel run //:qemu -- --cmdline=selftest=typing

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

bool console_selftest(void);

void console_typing(void);

#ifdef __cplusplus
}
#endif
