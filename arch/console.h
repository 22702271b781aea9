#pragma once

// The console device: where kprintf's characters go.
//
// On x86_64 this is the COM1 serial port (arch/x86_64/serial.c); in host
// tests it is a buffer the test can read (testing/fake_console.cc).

#ifdef __cplusplus
extern "C" {
#endif

// Prepares the device. Called once, first thing at boot.
void console_init(void);

// Writes one character, waiting until the device accepts it. '\n' starts a
// new line (the serial driver sends "\r\n").
void console_putc(char c);

#ifdef __cplusplus
}
#endif
