#pragma once

// The console as a file: what user programs read with fd 0 and write with
// fds 1 and 2. (The device itself, the serial port, is arch/console.h.)
//
// Input: the device's receive interrupt hands each byte it gets to
// console_input, which runs it through the one line discipline of the
// console (kernel/fs/ldisc.h: echo, erase, lines of at most LDISC_SIZE - 1
// bytes, Ctrl-D) and wakes the readers when a line is finished.
//
// Files from console_file_open (declared in kernel/fs/file.h, with the other
// kinds of file) are readable and writable:
//  - read blocks until a line is finished (or a Ctrl-D at the start of a
//    line) and returns at most that line: its bytes up to n, '\n' included;
//    0 for a Ctrl-D at the start of a line (end of file). Readers share the
//    one input: each line goes to whoever reads it first. A reader killed
//    while it waits gets ERR_KILLED.
//  - write sends every byte to the device (console_putc, which polls the
//    UART) and returns n. It never waits for anything but the device, so
//    it takes no notice of kills: the write system call looks for one
//    between its steps of SYS_FILE_CHUNK bytes (kernel/fs/file_io.h). Writes
//    are not serialized with each other or with kprintf: concurrent
//    writers' bytes may interleave.
//  - stat reports FILE_TYPE_CONSOLE, size 0.
//  - every open returns a new struct file; all of them share the input.
//
// Locking: a spinlock (internal) guards the line discipline; console_input
// takes it from interrupt context and echoes with it held, so the echo of
// one byte is never split by another's.

#ifdef __cplusplus
extern "C" {
#endif

// Takes one byte typed on the console. Called by the device's receive
// interrupt handler (arch/x86_64/serial_input.c), with interrupts off, and
// by the console self-test, which types through it. Never blocks.
void console_input(char c);

#ifdef __cplusplus
}
#endif
