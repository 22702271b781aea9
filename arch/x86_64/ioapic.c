// The I/O APIC (see ioapic.h). Register layout from the Intel 82093AA I/O
// APIC datasheet: two memory-mapped 32-bit registers, a selector and a
// window, through which the internal registers are read and written.

#include "arch/x86_64/ioapic.h"

#include <stdint.h>

#include "arch/kmap.h"
#include "arch/x86_64/boot_layout.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/vectors.h"
#include "kernel/panic.h"

// Memory-mapped registers, as offsets from IOAPIC_PADDR.
#define IOREGSEL 0x00  // which internal register IOWIN reaches
#define IOWIN    0x10

// Internal registers.
#define IOAPIC_VERSION     0x01  // bits 16..23: the highest redirection entry's index
#define IOAPIC_REDTBL_BASE 0x10  // entry n: low half at 0x10 + 2n, high half at 0x11 + 2n

// Redirection entry, low half. Zero for the rest means: fixed delivery,
// physical destination mode, active high, edge-triggered.
#define REDTBL_MASKED     (1u << 16)
// High half: the destination local APIC's ID in bits 24..31.
#define REDTBL_DEST_SHIFT 24

static volatile uint32_t *ioapic;
static unsigned num_pins;

static uint32_t ioapic_read(uint32_t reg)
{
    ioapic[IOREGSEL / sizeof(uint32_t)] = reg;
    return ioapic[IOWIN / sizeof(uint32_t)];
}

static void ioapic_write(uint32_t reg, uint32_t value)
{
    ioapic[IOREGSEL / sizeof(uint32_t)] = reg;
    ioapic[IOWIN / sizeof(uint32_t)] = value;
}

void ioapic_init(void)
{
    if (IOAPIC_PADDR < DEVICE_WINDOW_START || IOAPIC_PADDR + 4096 > DEVICE_WINDOW_END) {
        panic("ioapic: registers at physical 0x%x, outside the mapped device window", IOAPIC_PADDR);
    }
    ioapic = kmap_p2v(IOAPIC_PADDR);
    num_pins = ((ioapic_read(IOAPIC_VERSION) >> 16) & 0xFF) + 1;
    for (unsigned pin = 0; pin < num_pins; pin++) {
        ioapic_write(IOAPIC_REDTBL_BASE + 2 * pin, REDTBL_MASKED);
        ioapic_write(IOAPIC_REDTBL_BASE + 2 * pin + 1, 0);
    }
}

void ioapic_route_isa_irq(unsigned irq, unsigned vector)
{
    if (irq >= num_pins) {
        panic("ioapic: no input pin for ISA IRQ %u (%u pins)", irq, num_pins);
    }
    kassert(vector >= VECTOR_ISA_BASE && vector < VECTOR_SPURIOUS);
    // The high half first: the entry is unmasked only once it is complete.
    ioapic_write(IOAPIC_REDTBL_BASE + 2 * irq + 1, lapic_id() << REDTBL_DEST_SHIFT);
    ioapic_write(IOAPIC_REDTBL_BASE + 2 * irq, vector);
}
