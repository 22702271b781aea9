// The console on the first serial port (COM1), a 16550-compatible UART.
// QEMU connects it to the terminal (bazel run //:qemu) or to a log file
// (qemu_test).

#include "arch/console.h"

#include "arch/x86_64/io.h"

#define COM1 0x3F8

// Register offsets from the port base.
#define UART_DATA 0  // transmit/receive (divisor low byte when DLAB=1)
#define UART_IER  1  // interrupt enable (divisor high byte when DLAB=1)
#define UART_FCR  2  // FIFO control
#define UART_LCR  3  // line control
#define UART_MCR  4  // modem control
#define UART_LSR  5  // line status

#define LCR_DLAB         0x80  // divisor latch access
#define LCR_8N1          0x03  // 8 data bits, no parity, 1 stop bit
#define FCR_ENABLE_CLEAR 0x07  // enable FIFOs and clear both
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_THR_EMPTY    0x20  // transmitter can take a byte

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
