// The console on the first serial port (COM1), a 16550-compatible UART.
// QEMU connects it to the terminal (bazel run //:qemu) or to a log file
// (qemu_test). Output only, by polling; input arrives by interrupt
// (serial_input.c).

#include "arch/console.h"

#include "arch/x86_64/io.h"
#include "arch/x86_64/uart.h"

void console_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DATA, 0x01);  // divisor 1: 115200 baud
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
    outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void serial_write(char c)
{
    while ((inb(COM1 + UART_LSR) & LSR_THR_EMPTY) == 0) {
    }
    outb(COM1 + UART_DATA, (uint8_t)c);
}

void console_putc(char c)
{
    if (c == '\n') {
        serial_write('\r');
    }
    serial_write(c);
}
