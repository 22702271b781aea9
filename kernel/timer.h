#pragma once

// The clock tick: how the kernel knows that time passes.
//
// The architecture raises a timer interrupt TIMER_HZ times a second (on
// x86_64 the local APIC timer, calibrated at boot: arch/x86_64/lapic.h) and
// calls timer_interrupt on each one. Ticks start once kernel_main enables
// interrupts. TIMER_HZ is approximate: it is as good as the calibration, and
// under an emulator ticks follow the host's clock; use ticks to measure
// intervals, not to keep the date.
//
// Lock rules: the count is changed only by timer_interrupt, in interrupt
// context, and read with one atomic load; no lock is needed.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TIMER_HZ 100

// Counts one tick. Called by the architecture's timer interrupt handler only,
// with interrupts off, after the interrupt has been acknowledged.
void timer_interrupt(void);

// Ticks since interrupts were first enabled.
uint64_t timer_ticks(void);

#ifdef __cplusplus
}
#endif
