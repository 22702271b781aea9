#pragma once

// The scheduler: preemptive round robin on every CPU.
//
// Runnable threads wait in one FIFO run queue that all CPUs share. A running
// thread keeps its CPU until it blocks (sched_sleep), yields, exits, or uses
// up its time slice of SCHED_SLICE_TICKS ticks of its CPU's timer, after
// which the next interrupt return hands that CPU to the thread at the head
// of the queue. A thread may so run on one CPU now and another later, never
// on two at once. Each CPU has an idle thread of its own, which halts it
// when nothing is runnable; a CPU that queues a thread wakes a halted one
// (cpus_kick) to take it.
//
// Page tables: a CPU has a process's page table loaded only while it runs
// one of that process's threads; other threads (the idle threads, kernel
// self-tests) run on the kernel's (vpmap_kernel), whose user half is empty.
//
// Locking: the scheduler lock (internal) guards every thread's state,
// context, sleep_chan and next fields, the queues and the scheduler's state
// in each CPU's struct cpu_local. Functions here take it themselves;
// sched_sleep is the one that also juggles the caller's lock. It is one lock
// for all CPUs: simple, and enough for the few CPUs osv runs on.

#include <stdbool.h>
#include <stdint.h>

#include "arch/vpmap.h"
#include "kernel/err.h"
#include "kernel/sync/spinlock.h"
#include "kernel/thread.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCHED_SLICE_TICKS 2

// Turns the boot code's flow of control into the thread "main" of the
// bootstrap processor (CPU 0), makes its idle thread, and lets the other
// CPUs join (sched_run_cpu). Call once, before any other thread function,
// with interrupts off.
void sched_init(void);

// True once sched_init has run, so that another CPU may sched_run_cpu.
bool sched_accepting_cpus(void);

// Makes the calling CPU (not the bootstrap processor) run threads: its flow
// of control becomes its idle thread, named "idle N", which runs whenever
// the CPU has nothing else to run. Call once per CPU, with interrupts off
// and its timer ticking (or about to), after sched_accepting_cpus.
_Noreturn void sched_run_cpu(void);

// The first function of every new thread: thread_create passes it to
// context_init with the thread itself as argument. Releases the scheduler
// lock held across the switch, runs thread->fn(thread->arg), then exits.
void sched_start_thread(void *thread);

// Adds a new (or woken) thread to the tail of the run queue.
void sched_make_runnable(struct thread *thread);

// Gives the CPU to the next runnable thread, if any; the caller goes to the
// tail of the run queue. (Not sched_yield: the host's C library has one, and
// host tests link the kernel's headers with it.)
void sched_yield_cpu(void);

// Sleeps until sched_wakeup(chan). `lock` must be held; it is released while
// sleeping (atomically: a wakeup issued after the caller tested its condition
// under `lock` is never lost) and held again on return. Callers recheck their
// condition in a loop: waking up only means "look again". A killed thread
// (sched_kill) does not sleep: it returns at once, with `lock` held all
// along, so that a kill that comes after the caller's last look at
// thread_killed() is not lost either (on another CPU it can).
void sched_sleep(const void *chan, struct spinlock *lock);

// sched_sleep for waits that a kill must not cut short (sleep locks, a
// process waiting for its address space's readers): sleeps whether killed
// or not.
void sched_sleep_uninterruptible(const void *chan, struct spinlock *lock);

// Makes every thread sleeping on chan runnable.
void sched_wakeup(const void *chan);

// Makes the longest-sleeping thread on chan runnable, if any.
void sched_wakeup_one(const void *chan);

// Called by the timer interrupt on every tick: charges the running thread
// and, when its slice is used up, asks for a switch at the next preemption
// point. Interrupts off; takes no lock but on CPU 0 (waking tick sleepers).
void sched_tick(void);

// Preemption point: switches to the next thread if sched_tick asked for it.
// The trap code calls it as an interrupt handler finishes, after the
// interrupt has been acknowledged. `interrupted_kernel`: the interrupt came
// while the thread ran kernel code, so it may be part way through a change
// (see sched_others_at_rest). Interrupts off; takes the scheduler lock only
// to switch.
void sched_preempt(bool interrupted_kernel);

// True when no thread but the running one may be part way through kernel
// code: none was preempted while running kernel code, and every other CPU
// runs its idle thread. So every other thread is in user mode (and off
// CPU), asleep (a voluntary point), or not started. The invariant checker's
// rest points rely on it (kernel/mm/vm_check.h).
bool sched_others_at_rest(void);

// A rest point of the running thread, which has nothing half done (it is
// about to return to user mode, or it is an idle thread) and holds no lock:
// runs the invariant checker there (vm_check_at_rest), if it is set up,
// telling it what it knows of the other threads. When they are at rest
// (sched_others_at_rest) it checks at once; with several CPUs it holds the
// scheduler lock meanwhile, so that no other CPU switches to a thread: they
// wait, halted in their idle threads or spinning on the lock. When other
// CPUs run threads, now and then (a rate limit: sched.c) it stops them by a
// rendezvous (kernel/rendezvous.h): each CPU that runs a thread, kicked,
// parks if it was in user mode or its idle thread (sched_kicked), and if
// they all did and no thread was preempted in kernel code, the check runs
// as above, holding the scheduler lock; otherwise the rest point is
// skipped. Costs nothing with the checker off.
void sched_rest_point(const char *where);

// A kick (arch/cpus.h's cpus_kick) arrived: the architecture's handler for
// it calls this, in interrupt context with interrupts off, after
// acknowledging it. `interrupted_user`: the interrupt came while this CPU
// ran user code. If a rest point's rendezvous asks this CPU, answers: parks
// until the rendezvous is over when this CPU is at rest (interrupted in user
// mode or in its idle thread), answers busy otherwise. Else returns at once.
void sched_kicked(bool interrupted_user);

// Sleeps for at least `ticks` timer ticks. Returns ERR_OK, or ERR_KILLED
// early if the thread is killed meanwhile.
err_t sched_sleep_ticks(uint64_t ticks);

// Marks `thread` killed and, if it sleeps, wakes it. Waits that a kill may
// interrupt (pipe and console reads and writes, sleep, wait) check
// thread_killed() each time they wake and give up with ERR_KILLED; other
// waits (sleep locks) just go back to sleep. Used by kill().
void sched_kill(struct thread *thread);

// True when the running thread has been killed (sched_kill).
bool thread_killed(void);

// Tells the scheduler that the running thread loaded `vpmap` itself on its
// CPU (exec, exit), so that switching back to a thread using it need not
// reload it.
void sched_note_vpmap_loaded(struct vpmap *vpmap);

// Returns once every thread that has exited (thread_exit) before the call
// is off its CPU: no CPU runs on its stack or page table any more. For
// whoever frees what such threads used (kernel/proc.c: a process's page
// table, once all its threads have ended).
void sched_wait_for_exited(void);

// Returns once every thread that has exited before the call is freed, its
// kernel stack included: frees those still waiting itself, and waits for
// any that another CPU is freeing. So that a parent back from wait, or a
// thread back from a join, counts free memory exactly. Call with interrupts
// on (another CPU freeing a kernel stack waits for this one to flush it).
void sched_reap_exited(void);

// Switches performed since boot (for tests and statistics).
unsigned long sched_switch_count(void);

#ifdef __cplusplus
}
#endif
