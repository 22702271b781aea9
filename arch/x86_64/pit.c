#include "arch/x86_64/pit.h"

#include "arch/x86_64/io.h"

#define PIT_CHANNEL2 0x42
#define PIT_COMMAND  0x43

// Command: channel 2, write low then high count byte, mode 0 (interrupt on
// terminal count: the output goes low at the count and high when it reaches
// zero), binary counting.
#define PIT_CMD_CHANNEL2_MODE0 0xB0

// Port 0x61 (system control port B).
#define PORT_B         0x61
#define PORT_B_GATE2   0x01  // channel 2 counts while this is set
#define PORT_B_SPEAKER 0x02  // channel 2's output drives the speaker
#define PORT_B_OUT2    0x20  // channel 2's output, read-only

void pit_oneshot_start(uint16_t ticks)
{
    // Gate on, speaker off. In mode 0 the count starts on the clock after
    // its high byte is written, with the gate already up.
    outb(PORT_B, (inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2);
    outb(PIT_COMMAND, PIT_CMD_CHANNEL2_MODE0);
    outb(PIT_CHANNEL2, ticks & 0xFF);
    outb(PIT_CHANNEL2, ticks >> 8);
}

bool pit_oneshot_done(void)
{
    return (inb(PORT_B) & PORT_B_OUT2) != 0;
}
