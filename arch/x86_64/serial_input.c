// Console input from COM1 (see serial_input.h).

#include "arch/x86_64/serial_input.h"

#include "arch/x86_64/io.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/uart.h"
#include "arch/x86_64/vectors.h"
#include "kernel/fs/console.h"
#include "kernel/kprintf.h"

void serial_input_init(void)
{
    ioapic_route_isa_irq(COM1_ISA_IRQ, VECTOR_COM1);
    // Bytes that arrived before now wait in the FIFO; the interrupt fires
    // for them as soon as interrupts are on.
    outb(COM1 + UART_IER, IER_RX_AVAILABLE);
    kprintf("serial: COM1 input on ISA IRQ %d, I/O APIC vector 0x%x\n", COM1_ISA_IRQ, VECTOR_COM1);
}

void serial_input_interrupt(void)
{
    // Draining the FIFO is what lowers the UART's interrupt line: a byte
    // that arrives after the last read raises it again, a new edge, and the
    // local APIC holds that interrupt until this one's EOI.
    while ((inb(COM1 + UART_LSR) & LSR_DATA_READY) != 0) {
        console_input((char)inb(COM1 + UART_DATA));
    }
}
