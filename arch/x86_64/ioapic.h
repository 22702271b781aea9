#pragma once

// The I/O APIC: routes the interrupt lines of devices (the ISA IRQs among
// them) to vectors of the local APIC (lapic.h).
//
// osv uses the one I/O APIC of a PC, at its standard physical address
// IOAPIC_PADDR, reached through the direct map's device window
// (boot_layout.h). Each input pin has a redirection entry: vector, delivery
// mode, destination, polarity, trigger mode and a mask bit.
//
// ISA IRQ n is taken to arrive on input pin n. That is the default wiring;
// firmware lists exceptions in ACPI's MADT ("interrupt source overrides"),
// which osv does not parse. On QEMU's pc machine the only override is the
// PIT's IRQ 0 (to pin 2), which osv never routes: its clock is the local
// APIC timer. ISA lines are edge-triggered and active high, so that is how
// ioapic_route_isa_irq programs the pin.
//
// Lock rules: none. These run at boot with interrupts off, on one CPU.

#define IOAPIC_PADDR 0xFEC00000

// Masks every input pin. Panics if the registers lie outside the device
// window. Call once at boot with interrupts off, after lapic_init.
void ioapic_init(void);

// Routes ISA IRQ `irq` to `vector` on this CPU's local APIC (fixed delivery,
// physical destination), edge-triggered, active high, and unmasks it. The
// handler of `vector` must send the local APIC an EOI (lapic_eoi). Panics if
// the I/O APIC has no pin `irq` or vector is below the device range.
void ioapic_route_isa_irq(unsigned irq, unsigned vector);
