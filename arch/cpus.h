#pragma once

// The processors, as portable code sees them: which one is running, how to
// wait politely in a spin loop, and stopping the others when the kernel
// panics.
//
// On the host (testing/fake_cpus) there is one CPU, number 0, and nothing
// to stop.

#ifdef __cplusplus
extern "C" {
#endif

// The running CPU's number: 0 for the one that booted, then 1, 2, ... Call
// with interrupts off, or the thread may have moved on by the time the
// answer is used.
unsigned cpus_current(void);

// A spin-wait hint (pause): lets the other hyperthread or, under an
// emulator, the other virtual CPUs run while this one waits for a lock.
void cpus_relax(void);

// Stops every other CPU for good: each halts with interrupts off wherever
// it is, whatever locks it holds, so that nothing changes under a panic's
// report. Waits briefly for them to confirm; returns how many did. For
// panic only.
unsigned cpus_stop_others(void);

#ifdef __cplusplus
}
#endif
