#pragma once

// Boot-time self-tests, chosen on the kernel command line with
// "selftest=NAME". Each exercises one piece of the kernel that host tests
// cannot reach (traps, interrupts, panic) and leaves evidence on the console
// for a qemu_test to match:
//
//   console     types through the console's input path and reads the lines
//               back through a console file (console_selftest.h).
//   pagefault   writes to an unmapped kernel address: the trap report for an
//               unexpected kernel page fault (cr2, registers, backtrace),
//               then a panic.
//   panic       panics on purpose: the panic message and its backtrace.
//   pipe        pipes between kernel threads: blocking, end of file, ERR_PIPE
//               (pipe_selftest.h).
//   timer       waits for timer ticks with interrupts on, and reports them.
//   typing      reads lines typed on the console until Ctrl-D, and prints
//               them: for a person at the keyboard (or input fed to COM1).
//
// A test that passes returns, and the kernel goes on to its normal clean
// halt; one that fails, or is meant to crash, ends the machine with the
// failure status (65 under QEMU).

#include "kernel/boot_info.h"

// Runs the self-test `name`, with interrupts enabled and every subsystem
// initialized. An unknown name is a failure: it prints the known names and
// stops the machine.
void selftest_run(const char *name, const struct boot_info *boot_info);
