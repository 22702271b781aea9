#pragma once

// The legacy 8259 programmable interrupt controllers (PICs): a master for
// IRQs 0-7 and a slave, cascaded on IRQ 2, for IRQs 8-15.
//
// osv takes its interrupts from the local APIC instead, so the PICs are only
// silenced. They are remapped first: out of reset they deliver on vectors
// 0x08-0x0F, which are CPU exceptions (0x08 is the double fault), so a stray
// PIC interrupt would look like an exception. Remapped to VECTOR_PIC_BASE
// (vectors.h), one can only be what it is.

// Remaps the PICs to VECTOR_PIC_BASE .. VECTOR_PIC_BASE + 15 and masks all
// sixteen lines. Call once at boot with interrupts off.
void pic_disable(void);
