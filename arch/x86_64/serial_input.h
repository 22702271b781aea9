#pragma once

// Console input: the COM1 UART's receive interrupt.
//
// The UART raises ISA IRQ 4 while a received byte waits; the I/O APIC turns
// that into VECTOR_COM1, and the handler hands every waiting byte to the
// portable console (kernel/fs/console.h: console_input), which does the rest
// (echo, line editing, waking readers). Output stays in serial.c, by
// polling.
//
// Lock rules: none here; console_input locks the console's state.

// Enables the UART's receive interrupt and routes IRQ 4 through the I/O
// APIC to VECTOR_COM1. Prints the routing. Call once at boot with
// interrupts off, after console_init and ioapic_init.
void serial_input_init(void);

// The handler of VECTOR_COM1 (trap.c calls it, then lapic_eoi): drains the
// UART's receive FIFO into console_input. Interrupts off.
void serial_input_interrupt(void);
