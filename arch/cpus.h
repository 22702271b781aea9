#pragma once

// The processors, as portable code sees them: which one is running, the
// state portable code keeps for each, how to wait politely in a spin loop,
// and stopping the others when the kernel panics.
//
// On the host (testing/fake_cpus.h) there are as many CPUs as a test asks
// for, one unless it asks, each with its struct cpu_local; one of them runs
// the test at a time, and a call runs on its target at once, in the
// caller's stead. Nothing is stopped.

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct thread;
struct vpmap;

// The most processors osv runs on (the rest stay in the firmware). CPU
// numbers are 0 .. CPUS_MAX - 1.
#define CPUS_MAX 8

// What portable code keeps per CPU. Each CPU reads and writes only its own,
// with interrupts off: a thread that found its CPU's struct and was then
// moved to another CPU would use the wrong one.
struct cpu_local {
    struct thread *thread;    // running here (kernel/sched.c); NULL before sched_init
    int intr_depth;           // outstanding intr_push_off calls (kernel/sync/intr.c)
    bool intr_outer_enabled;  // interrupts were on at the outermost intr_push_off

    // The scheduler's (kernel/sched.c). idle_thread and loaded_vpmap change
    // under its lock; slice_left and need_resched are this CPU's alone, read
    // and written with interrupts off, without the lock (every timer tick
    // on every CPU uses them).
    struct thread *idle_thread;  // runs here when no other thread can
    int slice_left;              // timer ticks left of the running thread's slice
    bool need_resched;           // switch at the next preemption point
    struct vpmap *loaded_vpmap;  // the page table in this CPU's MMU
};

// The running CPU's struct cpu_local. Call with interrupts off (see above).
struct cpu_local *cpus_local(void);

// cpus_local()->thread, read in one step that a preemption cannot split:
// whichever CPU the caller is moved to, the answer is the calling thread
// (sched.c writes the slot before a thread runs on that CPU). So, unlike
// cpus_local, it needs no interrupts off; thread_current is this.
struct thread *cpus_running_thread(void);

// The running CPU's number: 0 for the one that booted, then 1, 2, ... Call
// with interrupts off, or the thread may have moved on by the time the
// answer is used.
unsigned cpus_current(void);

// A spin-wait hint (pause): lets the other hyperthread or, under an
// emulator, the other virtual CPUs run while this one waits for a lock.
void cpus_relax(void);

// A set of CPUs, by number: bit i stands for CPU i (CPUS_MAX fit).
typedef uint64_t cpus_mask_t;

// The set holding CPU `cpu` alone.
static inline cpus_mask_t cpus_mask_of(unsigned cpu)
{
    return (cpus_mask_t)1 << cpu;
}

// A function run on another CPU by cpus_call, cpus_call_many or
// cpus_call_others.
typedef void cpus_call_fn(void *arg);

// Runs fn(arg) on CPU `cpu` and returns once fn has returned there. fn runs
// in an interrupt handler on that CPU, interrupts off: it must not sleep,
// nor take a lock the caller may hold (the caller waits, holding it, for fn
// to finish). The caller may have interrupts on or off and may itself be the
// target of another CPU's call meanwhile: it runs such calls while it
// waits. But a target that spins with interrupts off (on a spinlock the
// caller holds, say) answers only once it stops spinning. Panics unless
// `cpu` is online and not the caller's own.
void cpus_call(unsigned cpu, cpus_call_fn *fn, void *arg);

// Runs fn(arg) on every online CPU in `targets` but the caller's own, as
// cpus_call does, on all of them at once, and returns once all have
// finished; returns how many ran it. CPUs of the set that are offline (or
// absent) are left out, as is the caller's: they are no error.
unsigned cpus_call_many(cpus_mask_t targets, cpus_call_fn *fn, void *arg);

// Runs fn(arg) on every other online CPU, as cpus_call does, and returns
// once all have finished; returns how many ran it (0 with one CPU).
unsigned cpus_call_others(cpus_call_fn *fn, void *arg);

// Runs the cross-CPU call waiting for this CPU, if there is one, as its
// interrupt would, and returns. For code that waits with interrupts off for
// other CPUs that may, meanwhile, wait for a call to this one (the
// rendezvous of kernel/rendezvous.h): cpus_call's own wait does the same.
// Interrupts off, and no lock held that a call's fn may take. (On the host
// calls run at once: nothing ever waits.)
void cpus_call_poll(void);

// Interrupts CPU `cpu` (not the caller's own), so that it wakes if it
// halts in intr_wait, and returns at once: nothing runs there but the wake
// itself and the scheduler's sched_kicked (kernel/sched.h). The scheduler's
// way to tell an idle CPU that a thread is runnable, and to ask CPUs to
// stop for a rest point's check. Any interrupt state, any locks held.
void cpus_kick(unsigned cpu);

// Stops every other CPU for good: each halts with interrupts off wherever
// it is, whatever locks it holds, so that nothing changes under a panic's
// report. Waits briefly for them to confirm; returns how many did. For
// panic only.
unsigned cpus_stop_others(void);

#ifdef __cplusplus
}
#endif
