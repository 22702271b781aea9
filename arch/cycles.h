#pragma once

// The CPU's cycle counter, as a clock for measurements.
//
// On x86_64 this is the time-stamp counter (rdtsc, readable from user mode),
// whose rate the kernel measures at boot against the PIT while calibrating
// its timer. sysinfo passes the rate to user space for benchmarks.

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Counter increments per second; 0 before the timer has been calibrated.
uint64_t cycles_per_second(void);

// The counter now. Counters of different CPUs need not agree: compare only
// readings taken on one CPU. Any context.
uint64_t cycles_now(void);

#ifdef __cplusplus
}
#endif
