#include "arch/x86_64/pic.h"

#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/vectors.h"

#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xA0
#define PIC_SLAVE_DATA  0xA1

// Initialization command words (8259A datasheet).
#define ICW1_INIT      0x10  // start initialization
#define ICW1_NEED_ICW4 0x01
#define ICW3_MASTER    0x04  // the slave hangs off IRQ 2 (a bit mask)
#define ICW3_SLAVE     0x02  // this slave's cascade identity (a number)
#define ICW4_8086      0x01  // 8086 mode rather than MCS-80/85

#define MASK_ALL 0xFF

// An I/O write to an unused port: a short delay, since old PICs need time
// between initialization words.
static void io_wait(void)
{
    outb(0x80, 0);
}

void pic_disable(void)
{
    outb(PIC_MASTER_CMD, ICW1_INIT | ICW1_NEED_ICW4);
    io_wait();
    outb(PIC_SLAVE_CMD, ICW1_INIT | ICW1_NEED_ICW4);
    io_wait();
    outb(PIC_MASTER_DATA, VECTOR_PIC_BASE);  // ICW2: vector of IRQ 0
    io_wait();
    outb(PIC_SLAVE_DATA, VECTOR_PIC_BASE + 8);  // ICW2: vector of IRQ 8
    io_wait();
    outb(PIC_MASTER_DATA, ICW3_MASTER);
    io_wait();
    outb(PIC_SLAVE_DATA, ICW3_SLAVE);
    io_wait();
    outb(PIC_MASTER_DATA, ICW4_8086);
    io_wait();
    outb(PIC_SLAVE_DATA, ICW4_8086);
    io_wait();

    outb(PIC_MASTER_DATA, MASK_ALL);
    outb(PIC_SLAVE_DATA, MASK_ALL);
}
