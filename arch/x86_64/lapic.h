#pragma once

// The local APIC: this CPU's interrupt controller, and the timer in it that
// drives the kernel's clock tick.
//
// osv uses the local APIC in xAPIC mode, through its memory-mapped registers
// (reached through the direct map's device window, boot_layout.h). The
// legacy PICs are masked (pic.h), so every interrupt comes through here.
//
// The timer counts down from an initial count at the bus clock divided by a
// configurable divider (osv: 16); in periodic mode it reloads itself and
// raises VECTOR_TIMER each time it reaches zero. The bus clock's frequency is
// not reported by every CPU (QEMU runs it at 1 GHz), so lapic_timer_start
// measures it against the PIT, whose frequency is fixed (pit.h).
//
// Every CPU has its own local APIC at the same physical address: each
// function acts on the calling CPU's. Interprocessor interrupts (IPIs) are
// sent through the interrupt command register (ICR, SDM vol. 3A, 10.6.1).
//
// Lock rules: call with interrupts off. lapic_init and lapic_timer_start run
// at boot; lapic_eoi in interrupt handlers. The IPI functions write the ICR
// in two steps, so two threads of one CPU must not interleave them (off
// interrupts, they cannot); each CPU's ICR is its own.

#include <stdint.h>

// Enables the local APIC: software-enabled, spurious interrupts on
// VECTOR_SPURIOUS, every interrupt priority accepted, timer masked. Panics
// when the CPU has no APIC or its registers are outside the device window.
// Call once at boot with interrupts off, after idt_init.
void lapic_init(void);

// Calibrates the timer against the PIT (median of several 10 ms rounds) and
// starts it in periodic mode, raising VECTOR_TIMER `hz` times a second once
// interrupts are enabled. Prints the calibration result. Call once, after
// lapic_init, with interrupts off.
void lapic_timer_start(unsigned hz);

// Starts this CPU's timer at the rate lapic_timer_start measured on the
// bootstrap processor (every local APIC counts the same bus clock). For the
// application processors, once they are ready for ticks; call after
// lapic_init, with interrupts off.
void lapic_timer_resume(void);

// This CPU's local APIC ID: the destination to give interrupts routed to it
// (ioapic.h). Call after lapic_init.
uint32_t lapic_id(void);

// Tells the local APIC that the interrupt being handled is done, so that it
// delivers the next one of equal or lower priority. Every handler of a
// vector the local APIC delivers calls it, except the spurious vector's.
void lapic_eoi(void);

// Sends an INIT IPI to the CPU with local APIC ID `apic_id`: it resets and
// waits for a startup IPI. Returns once the local APIC has sent it.
void lapic_send_init(uint32_t apic_id);

// Sends a startup IPI: the CPU `apic_id`, waiting after INIT, starts in real
// mode at physical address `page` * 4096 (so the code must lie below 1 MiB).
// Returns once sent.
void lapic_send_startup(uint32_t apic_id, uint8_t page);

// Sends interrupt `vector` to the CPU with local APIC ID `apic_id` (fixed
// delivery). Returns once sent (not once handled).
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);

// Sends a non-maskable interrupt to every CPU but this one. Returns once
// sent (not once handled).
void lapic_send_nmi_to_others(void);
