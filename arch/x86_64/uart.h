#pragma once

// The 16550 UART's registers: the serial port behind the console. COM1 is
// at I/O port 0x3F8 and raises ISA IRQ 4. Register offsets are from the
// port base; with LCR_DLAB set, offsets 0 and 1 hold the baud-rate divisor
// instead of the data and IER registers.

#define COM1         0x3F8
#define COM1_ISA_IRQ 4

#define UART_DATA 0  // read: the received byte; write: the byte to send
#define UART_IER  1  // interrupt enable
#define UART_FCR  2  // FIFO control (write only)
#define UART_LCR  3  // line control
#define UART_MCR  4  // modem control
#define UART_LSR  5  // line status

#define IER_RX_AVAILABLE 0x01  // interrupt while received data waits
#define LCR_DLAB         0x80  // divisor latch access
#define LCR_8N1          0x03  // 8 data bits, no parity, 1 stop bit
#define FCR_ENABLE_CLEAR 0x07  // enable FIFOs and clear both; interrupt at 1 byte
#define MCR_DTR_RTS_OUT2 0x0B  // OUT2 gates the UART's interrupt line on PCs
#define LSR_DATA_READY   0x01  // a received byte waits in UART_DATA
#define LSR_THR_EMPTY    0x20  // transmitter can take a byte
