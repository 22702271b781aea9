#pragma once

// The 8254 programmable interval timer (PIT), as a reference clock only.
//
// The PIT's input clock runs at exactly PIT_HZ on every PC, so counting its
// ticks measures time without knowing any other clock's frequency; the local
// APIC timer is calibrated against it (lapic.c). osv uses channel 2 because
// its gate and output are wired to port 0x61 (the PC speaker's port): the
// countdown can be started and its end polled without any interrupt. The
// speaker itself stays off.

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182

// Starts a countdown of `ticks` PIT ticks on channel 2 (ticks >= 1). The
// countdown starts as this function returns (it writes the last count byte
// last). Interrupts should be off so that the caller's timing is not
// stretched.
void pit_oneshot_start(uint16_t ticks);

// True once the countdown started by pit_oneshot_start has reached zero.
bool pit_oneshot_done(void);
