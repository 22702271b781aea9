#include "arch/x86_64/idt.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/vectors.h"

// A 64-bit IDT gate (SDM vol. 3A, 6.14.1).
struct idt_gate {
    uint16_t offset_low;   // handler address bits 0..15
    uint16_t selector;     // code segment of the handler
    uint8_t ist;           // bits 0..2: IST slot, 0 for none
    uint8_t type_attr;     // present, privilege level, gate type
    uint16_t offset_mid;   // bits 16..31
    uint32_t offset_high;  // bits 32..63
    uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gates are 16 bytes");

#define GATE_PRESENT   0x80
#define GATE_DPL(n)    ((n) << 5)
#define GATE_INTERRUPT 0x0E  // clears IF on entry (a trap gate, 0x0F, would not)

static struct idt_gate idt[VECTOR_COUNT] __attribute__((aligned(16)));

static uint8_t ist_for(int vector)
{
    switch (vector) {
    case VECTOR_DOUBLE_FAULT:
        return IST_DOUBLE_FAULT;
    case VECTOR_NMI:
        return IST_NMI;
    default:
        return 0;
    }
}

void idt_init(void)
{
    for (int v = 0; v < VECTOR_COUNT; v++) {
        uint64_t handler = (uint64_t)(trap_stubs + v * TRAP_STUB_SIZE);
        idt[v] = (struct idt_gate){
            .offset_low = handler & 0xFFFF,
            .selector = GDT_KERNEL_CODE,
            .ist = ist_for(v),
            .type_attr = GATE_PRESENT | GATE_DPL(0) | GATE_INTERRUPT,
            .offset_mid = (handler >> 16) & 0xFFFF,
            .offset_high = handler >> 32,
        };
    }
    idt_load();
}

void idt_load(void)
{
    struct descriptor_table_pointer idtr = {.limit = sizeof(idt) - 1, .base = (uint64_t)idt};
    lidt(&idtr);
}
