// The scheduler (see kernel/sched.h).
//
// Every switch goes through switch_away, with the scheduler lock held and the
// outgoing thread's new state already set. The lock is held across
// context_switch and released by the thread that runs next on that CPU: by
// the code after its own earlier switch_away, or, for a brand-new thread, by
// sched_start_thread. Holding it across the switch is also what keeps a
// thread from running on two CPUs at once: a thread put back on the run
// queue is still on its CPU until context_switch has saved it, and no other
// CPU can take it off the queue before the lock is released. Exited threads
// cannot free their own stack while running on it, so they go on a list that
// whoever next releases the lock frees (unlock_and_reap).

#include "kernel/sched.h"

#include <stdbool.h>

#include "arch/cpus.h"
#include "arch/cycles.h"
#include "arch/interrupts.h"
#include "arch/user_mode.h"
#include "arch/vpmap.h"
#include "kernel/lib/fmt.h"
#include "kernel/mm/vm_check.h"
#include "kernel/panic.h"
#include "kernel/rendezvous.h"
#include "kernel/sync/intr.h"
#include "kernel/timer.h"

static struct spinlock sched_lock = SPINLOCK_INIT("sched");

// All guarded by sched_lock. What each CPU has for itself (its running and
// idle threads, its time slice, whether it should switch, its loaded page
// table) is in its struct cpu_local (arch/cpus.h).
static struct thread boot_thread;
static struct thread ap_boot_threads[CPUS_MAX];  // each AP's idle thread
static struct thread *run_head;                  // FIFO of THREAD_RUNNABLE threads
static struct thread *run_tail;
static struct thread *sleepers;  // THREAD_SLEEPING threads, oldest first
static struct thread *exited;    // THREAD_EXITED threads not yet freed
static int reaping;              // atomic: taken off `exited`, being freed
static unsigned long switches;
static int preempted_in_kernel;   // threads sched_preempt took off a CPU in kernel code
static uint32_t scheduling_cpus;  // bit n: CPU n runs threads
static uint32_t idle_cpus;        // bit n: CPU n runs its idle thread
static uint32_t kicked_cpus;      // bit n: CPU n was kicked and has not switched since
static bool accepting_cpus;       // sched_init has run: APs may join

static _Noreturn void idle_loop(void *unused);

// Threads in sched_sleep_ticks sleep on this; every tick wakes them to look
// at the clock.
static const int tick_channel;
static struct spinlock tick_lock = SPINLOCK_INIT("sleep ticks");

// The thread this CPU runs. Interrupts off (sched_lock held, or the call
// from thread_current).
static struct thread *running(void)
{
    return cpus_local()->thread;
}

static uint32_t cpu_bit(unsigned cpu)
{
    return (uint32_t)1 << cpu;
}

// Wakes one idle CPU, if there is one that has not been woken already, so
// that a thread waiting in the run queue does not wait for a CPU that is
// only halted. sched_lock held.
static void share_work(void)
{
    uint32_t candidates = idle_cpus & ~kicked_cpus & ~cpu_bit(cpus_current());
    if (run_head == NULL || candidates == 0) {
        return;
    }
    unsigned cpu = (unsigned)__builtin_ctz(candidates);
    kicked_cpus |= cpu_bit(cpu);
    cpus_kick(cpu);
}

static void enqueue(struct thread *thread)
{
    thread->next = NULL;
    if (run_tail != NULL) {
        run_tail->next = thread;
    } else {
        run_head = thread;
    }
    run_tail = thread;
}

static struct thread *dequeue(void)
{
    struct thread *thread = run_head;
    if (thread != NULL) {
        run_head = thread->next;
        if (run_head == NULL) {
            run_tail = NULL;
        }
        thread->next = NULL;
    }
    return thread;
}

// Loads the page table `next` runs on, unless this CPU has it loaded
// already: its process's, or the kernel's for a thread without a process.
// So a CPU has a process's page table loaded only while it runs one of that
// process's threads, and an address space no thread runs is loaded nowhere
// (which TLB shootdowns and vpmap_destroy rely on: arch/vpmap.h).
static void load_page_table(struct thread *next)
{
    struct vpmap *wanted = next->vpmap != NULL ? next->vpmap : vpmap_kernel();
    struct cpu_local *cpu = cpus_local();
    if (cpu->loaded_vpmap != wanted) {
        vpmap_load(wanted);
        cpu->loaded_vpmap = wanted;
    }
}

// Switches from the running thread, whose state the caller has set, to the
// next thread. Returns, with sched_lock held, when it runs again (perhaps on
// another CPU).
static void switch_away(void)
{
    kassert(spinlock_held(&sched_lock));
    struct cpu_local *cpu = cpus_local();
    struct thread *prev = cpu->thread;
    if (prev->state == THREAD_RUNNABLE && prev != cpu->idle_thread) {
        enqueue(prev);
    }
    struct thread *next = dequeue();
    if (next == NULL) {
        next = cpu->idle_thread;  // also when idle itself yields with nothing to do
    }
    unsigned self = cpus_current();
    kicked_cpus &= ~cpu_bit(self);
    if (next == cpu->idle_thread) {
        idle_cpus |= cpu_bit(self);
    } else {
        idle_cpus &= ~cpu_bit(self);
    }
    share_work();
    cpu->slice_left = SCHED_SLICE_TICKS;
    cpu->need_resched = false;
    if (next == prev) {
        prev->state = THREAD_RUNNING;
        return;
    }
    next->state = THREAD_RUNNING;
    cpu->thread = next;
    switches++;
    load_page_table(next);
    if (next->kstack.bottom != 0) {
        user_mode_set_kernel_stack(next->kstack.top);
    }
    // The interrupt state to restore when this thread leaves its critical
    // sections is the thread's own: keep it across the switch.
    bool outer = intr_outer_state();
    // context_switch saves the flags with the registers and restores them
    // for `next`: interrupts off now means off when `next` resumes, which
    // is what its own push_off count says.
    kassert(!intr_enabled());
    context_switch(&prev->context, next->context);
    intr_set_outer_state(outer);
}

// Releases sched_lock, then frees the threads that exited before the switch.
// Interrupts stay off until they are freed: a preemption in between would let
// other threads run on this CPU while a dead thread's kernel stack, off the
// exited list already, was still taken. (Other CPUs may run meanwhile:
// `reaping` counts what is off the list and not yet freed, for
// sched_reap_exited.)
static void unlock_and_reap(void)
{
    struct thread *dead = exited;
    exited = NULL;
    for (struct thread *t = dead; t != NULL; t = t->next) {
        __atomic_fetch_add(&reaping, 1, __ATOMIC_RELAXED);
    }
    intr_push_off();
    spinlock_release(&sched_lock);
    while (dead != NULL) {
        struct thread *next = dead->next;
        thread_free(dead);
        __atomic_fetch_sub(&reaping, 1, __ATOMIC_RELEASE);
        dead = next;
    }
    intr_pop_off();
}

// Makes the running CPU one that runs threads: `self` (the flow of control
// that calls this) is its running thread, `idle` its idle thread.
static void join(struct thread *self, struct thread *idle)
{
    struct cpu_local *cpu = cpus_local();
    cpu->thread = self;
    cpu->idle_thread = idle;
    cpu->slice_left = SCHED_SLICE_TICKS;
    cpu->need_resched = false;
    cpu->loaded_vpmap = vpmap_kernel();
    vpmap_load(cpu->loaded_vpmap);
    spinlock_acquire(&sched_lock);
    scheduling_cpus |= cpu_bit(cpus_current());
    if (self == idle) {
        idle_cpus |= cpu_bit(cpus_current());
    }
    spinlock_release(&sched_lock);
}

static void nothing(void *unused)
{
    (void)unused;
}

void sched_init(void)
{
    boot_thread = (struct thread){.tid = 0, .name = "main", .state = THREAD_RUNNING};
    struct thread *idle;
    if (thread_create_suspended("idle", idle_loop, NULL, &idle) != ERR_OK) {
        panic("sched_init: cannot create the idle thread");
    }
    join(&boot_thread, idle);
    // The application processors wait for this, halted: wake them to look.
    __atomic_store_n(&accepting_cpus, true, __ATOMIC_RELEASE);
    cpus_call_others(nothing, NULL);
}

bool sched_accepting_cpus(void)
{
    return __atomic_load_n(&accepting_cpus, __ATOMIC_ACQUIRE);
}

_Noreturn void sched_run_cpu(void)
{
    kassert(!intr_enabled() && sched_accepting_cpus());
    unsigned id = cpus_current();
    struct thread *self = &ap_boot_threads[id];
    *self = (struct thread){.tid = 0, .state = THREAD_RUNNING};
    fmt_snprintf(self->name, sizeof(self->name), "idle %u", id);
    join(self, self);
    intr_enable();
    idle_loop(NULL);
}

void sched_start_thread(void *arg)
{
    struct thread *self = arg;
    // We arrive here from switch_away in another thread, holding sched_lock.
    // A new thread runs with interrupts on once it leaves the lock.
    intr_set_outer_state(true);
    unlock_and_reap();
    self->fn(self->arg);
    thread_exit();
}

struct thread *thread_current(void)
{
    return cpus_running_thread();
}

void sched_make_runnable(struct thread *thread)
{
    spinlock_acquire(&sched_lock);
    thread->state = THREAD_RUNNABLE;
    enqueue(thread);
    share_work();
    spinlock_release(&sched_lock);
}

void sched_yield_cpu(void)
{
    spinlock_acquire(&sched_lock);
    running()->state = THREAD_RUNNABLE;
    switch_away();
    unlock_and_reap();
}

_Noreturn void thread_exit(void)
{
    thread_exit_releasing(NULL);
}

_Noreturn void thread_exit_releasing(struct spinlock *lock)
{
    spinlock_acquire(&sched_lock);
    if (lock != NULL) {
        // Held until now so that nobody waiting on it (a parent in wait)
        // runs before this thread is on the exited list: whoever runs next
        // frees it first.
        spinlock_release(lock);
    }
    struct thread *self = running();
    if (self == &boot_thread || self == cpus_local()->idle_thread) {
        panic("thread_exit: the %s thread must not exit", self->name);
    }
    self->state = THREAD_EXITED;
    self->next = exited;
    exited = self;
    switch_away();
    panic("thread_exit: an exited thread ran again");
}

// sched_sleep and sched_sleep_uninterruptible.
static void sleep_on(const void *chan, struct spinlock *lock, bool killable)
{
    // Taking sched_lock before dropping `lock` closes the window in which a
    // wakeup could come and go unnoticed; looking at the killed flag under
    // it, the window in which a kill could (sched_kill sets the flag under
    // sched_lock, and wakes only a thread already asleep).
    spinlock_acquire(&sched_lock);
    if (killable && __atomic_load_n(&running()->killed, __ATOMIC_RELAXED)) {
        spinlock_release(&sched_lock);
        return;
    }
    spinlock_release(lock);
    struct thread *self = running();
    self->state = THREAD_SLEEPING;
    self->sleep_chan = chan;
    self->next = NULL;
    struct thread **tail = &sleepers;
    while (*tail != NULL) {
        tail = &(*tail)->next;
    }
    *tail = self;
    switch_away();
    self->sleep_chan = NULL;
    unlock_and_reap();
    spinlock_acquire(lock);
}

void sched_sleep(const void *chan, struct spinlock *lock)
{
    sleep_on(chan, lock, true);
}

void sched_sleep_uninterruptible(const void *chan, struct spinlock *lock)
{
    sleep_on(chan, lock, false);
}

// Moves sleepers on chan to the run queue: all of them, or only the first.
static void wake(const void *chan, bool all)
{
    spinlock_acquire(&sched_lock);
    struct thread **link = &sleepers;
    while (*link != NULL) {
        struct thread *thread = *link;
        if (thread->sleep_chan != chan) {
            link = &thread->next;
            continue;
        }
        *link = thread->next;
        thread->state = THREAD_RUNNABLE;
        enqueue(thread);
        if (!all) {
            break;
        }
    }
    share_work();
    spinlock_release(&sched_lock);
}

void sched_wakeup(const void *chan)
{
    wake(chan, true);
}

void sched_wakeup_one(const void *chan)
{
    wake(chan, false);
}

void sched_tick(void)
{
    if (cpus_current() == 0) {
        wake(&tick_channel, true);  // the clock (kernel/timer.h) counts CPU 0's ticks
    }
    // This CPU's own fields, in its timer interrupt: no other CPU touches
    // them, so no lock (arch/cpus.h). Every CPU ticks; taking sched_lock
    // here made each tick of each CPU, idle ones too, contend for it.
    struct cpu_local *cpu = cpus_local();
    if (--cpu->slice_left <= 0 || cpu->thread == cpu->idle_thread) {
        cpu->need_resched = true;
    }
}

void sched_preempt(bool interrupted_kernel)
{
    // need_resched is this CPU's alone and interrupts are off: nothing can
    // set it between this look and the lock.
    if (!cpus_local()->need_resched) {
        return;
    }
    spinlock_acquire(&sched_lock);
    struct cpu_local *cpu = cpus_local();
    // The idle thread is never part way through anything: it only halts.
    struct thread *self = cpu->thread;
    bool mid_kernel = interrupted_kernel && self != cpu->idle_thread;
    self->state = THREAD_RUNNABLE;
    preempted_in_kernel += mid_kernel;
    switch_away();
    preempted_in_kernel -= mid_kernel;
    unlock_and_reap();
}

// True when no thread but the running one may be part way through kernel
// code: none was preempted there, and every other CPU runs its idle thread.
// sched_lock held.
static bool others_at_rest_locked(void)
{
    uint32_t others = scheduling_cpus & ~cpu_bit(cpus_current());
    return preempted_in_kernel == 0 && (idle_cpus & others) == others;
}

bool sched_others_at_rest(void)
{
    spinlock_acquire(&sched_lock);
    bool at_rest = others_at_rest_locked();
    spinlock_release(&sched_lock);
    return at_rest;
}

// Rest points under load. When other CPUs run threads, a rest point may
// stop them by a rendezvous (kernel/rendezvous.h) and check while they
// wait. It asks only the CPUs that run threads (not idle ones); the
// question travels by kick (cpus_kick), and each CPU answers from its kick
// handler (sched_kicked), interrupts off:
//   - interrupted in user mode, or in its idle thread: it is at rest. A
//     thread in user mode has nothing half done in the kernel and holds no
//     kernel lock (it returned through a rest point); the idle thread does
//     all its work (switching, reaping) with interrupts off, so wherever an
//     interrupt finds it, it holds no lock and is part way through nothing.
//     It parks, interrupts off, until the rendezvous ends;
//   - interrupted in any other thread's kernel code: busy. The rendezvous
//     fails and the rest point is skipped.
// Once all have parked, the initiator takes sched_lock and checks holding
// it, as the check with every other CPU idle does: the CPUs that were idle
// stay so. It does not check if, meanwhile, one of them took a thread or a
// thread was preempted in kernel code.
//
// Why it cannot deadlock (besides what rendezvous.h argues for any use):
//   - the initiator kicks and waits holding no lock: not sched_lock above
//     all, on which any CPU may spin with interrupts off (a tick, a wakeup)
//     and so never answer. It takes sched_lock only once every CPU it asked
//     has parked, and a parked CPU holds no lock; whoever else holds
//     sched_lock (an idle CPU taking a thread) waits for no other CPU while
//     it does;
//   - two rest points that want a rendezvous at once: rendezvous_begin lets
//     one through and the other skips, without waiting. A CPU that lost
//     answers the winner's kick when it next has interrupts on, as any
//     other;
//   - a CPU with interrupts off answers once it turns them on: it may be
//     spinning on a lock (held by a CPU that is neither the initiator nor
//     parked: they hold none) or waiting for a cross-CPU call (a TLB
//     shootdown from a third CPU, say), which the initiator and the parked
//     CPUs run while they wait (cpus_call_poll). And however long it takes,
//     the initiator stops waiting after REST_RENDEZVOUS_WAIT_US, withdraws
//     the question and releases whoever parked: its wait, and so theirs, is
//     bounded by construction;
//   - the check itself takes the checker's, the registry's and pmem's
//     locks, after sched_lock as the idle check does: the parked CPUs hold
//     none, and the idle ones take none of them while holding sched_lock;
//   - a panic elsewhere stops the waiting CPUs by NMI, as any other.
//
// Cost: a check walks every page, and while it does every CPU waits; and
// waiting CPUs spin, which under an emulator takes host time from the CPUs
// waited for. So at most one rendezvous is tried every
// REST_RENDEZVOUS_TICKS ticks, machine-wide (rest points in between that
// find other CPUs busy skip, as before), and one that is not answered
// within REST_RENDEZVOUS_WAIT_US fails. (With idle CPUs the check needs no
// rendezvous and is not rate limited.) Under TCG on a loaded two-core host,
// with one try every 10 ticks and 5 ms of waiting, forkwait_smp4 took a
// quarter longer (medians of six alternating runs: 3.6 s against 2.8 s);
// with these, its times and those of the other multi-CPU tests stay within
// their spread, and cowstorm_smp4 and sysfuzz_smp4 still check 6-8 times
// per run by rendezvous (20-30 with the limits above).
#define REST_RENDEZVOUS_TICKS   20
#define REST_RENDEZVOUS_WAIT_US 3000

static struct rendezvous rest_rendezvous;
static uint64_t next_rest_rendezvous;  // guarded by sched_lock: tick of the next try

// A parked CPU's wait step (rendezvous_relax_fn).
static void rest_relax(void)
{
    cpus_call_poll();
    cpus_relax();
}

// The initiator's wait step (rendezvous_keep_waiting_fn): `ctx` points to
// the count of cycles_now at which it gives up.
static bool rest_keep_waiting(void *ctx)
{
    rest_relax();
    return cycles_now() < *(const uint64_t *)ctx;
}

// Whether it is time to try a rendezvous, and if so, counts this try.
// sched_lock held.
static bool rest_rendezvous_due(void)
{
    uint64_t now = timer_ticks();
    if (now < next_rest_rendezvous) {
        return false;
    }
    next_rest_rendezvous = now + REST_RENDEZVOUS_TICKS;
    return true;
}

// Stops the CPUs in `busy` (the scheduling CPUs but this one that ran
// threads at the first look) and checks if they all park at rest.
// Interrupts off, no lock held.
static void rest_point_rendezvous(const char *where, uint32_t busy)
{
    if (!rendezvous_begin(&rest_rendezvous, busy)) {
        vm_check_at_rest(where, VM_CHECK_OTHERS_BUSY);  // another CPU's is under way
        return;
    }
    uint64_t give_up = cycles_now() + cycles_per_second() / 1000000 * REST_RENDEZVOUS_WAIT_US;
    for (uint32_t left = busy; left != 0; left &= left - 1) {
        cpus_kick((unsigned)__builtin_ctz(left));
    }
    if (!rendezvous_wait(&rest_rendezvous, rest_keep_waiting, &give_up)) {
        vm_check_at_rest(where, VM_CHECK_RENDEZVOUS_FAILED);
        rendezvous_end(&rest_rendezvous);
        return;
    }
    spinlock_acquire(&sched_lock);
    uint32_t others = scheduling_cpus & ~cpu_bit(cpus_current());
    bool at_rest = preempted_in_kernel == 0 && (others & ~(idle_cpus | busy)) == 0;
    vm_check_at_rest(where, at_rest ? VM_CHECK_OTHERS_PARKED : VM_CHECK_RENDEZVOUS_FAILED);
    spinlock_release(&sched_lock);
    rendezvous_end(&rest_rendezvous);
}

void sched_rest_point(const char *where)
{
    if (!vm_check_enabled()) {
        return;
    }
    // With one CPU, nothing else runs while the check holds its locks (they
    // keep interrupts off). With several, the other CPUs must also stay idle
    // until it is done: holding sched_lock keeps them from switching to
    // anything else.
    spinlock_acquire(&sched_lock);
    uint32_t others = scheduling_cpus & ~cpu_bit(cpus_current());
    if (others_at_rest_locked()) {
        bool hold = others != 0;
        if (!hold) {
            spinlock_release(&sched_lock);
        }
        vm_check_at_rest(where, VM_CHECK_OTHERS_IDLE);
        if (hold) {
            spinlock_release(&sched_lock);
        }
        return;
    }
    // Some other CPU runs a thread, or a thread was preempted in kernel
    // code (then no rendezvous can help).
    uint32_t busy = others & ~idle_cpus;
    if (preempted_in_kernel != 0 || busy == 0 || !rest_rendezvous_due()) {
        spinlock_release(&sched_lock);
        vm_check_at_rest(where, VM_CHECK_OTHERS_BUSY);
        return;
    }
    // Interrupts stay off until the rendezvous is over: it belongs to this
    // CPU. sched_lock goes first (see above).
    intr_push_off();
    spinlock_release(&sched_lock);
    kassert(intr_push_depth() == 1);  // a rest point holds no spinlock
    rest_point_rendezvous(where, busy);
    intr_pop_off();
}

void sched_kicked(bool interrupted_user)
{
    unsigned self = cpus_current();
    if (!rendezvous_asked(&rest_rendezvous, self)) {
        return;  // an ordinary kick (share_work): its arrival was the point
    }
    struct cpu_local *cpu = cpus_local();
    bool at_rest = interrupted_user || cpu->thread == cpu->idle_thread;
    (void)rendezvous_answer(&rest_rendezvous, self, at_rest, rest_relax);
}

err_t sched_sleep_ticks(uint64_t ticks)
{
    // Saturate: a deadline past the end of time is just "forever".
    uint64_t now = timer_ticks();
    uint64_t deadline = ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
    err_t result = ERR_OK;
    spinlock_acquire(&tick_lock);
    while (timer_ticks() < deadline) {
        if (thread_killed()) {
            result = ERR_KILLED;
            break;
        }
        sched_sleep(&tick_channel, &tick_lock);
    }
    spinlock_release(&tick_lock);
    return result;
}

void sched_kill(struct thread *thread)
{
    spinlock_acquire(&sched_lock);
    __atomic_store_n(&thread->killed, true, __ATOMIC_RELAXED);
    if (thread->state == THREAD_SLEEPING) {
        for (struct thread **link = &sleepers; *link != NULL; link = &(*link)->next) {
            if (*link == thread) {
                *link = thread->next;
                break;
            }
        }
        thread->state = THREAD_RUNNABLE;
        enqueue(thread);
    }
    spinlock_release(&sched_lock);
}

bool thread_killed(void)
{
    // Read on every return to user mode: no lock. The flag only ever goes
    // from false to true, and sched_kill wakes the thread after setting it.
    return __atomic_load_n(&thread_current()->killed, __ATOMIC_RELAXED);
}

void sched_note_vpmap_loaded(struct vpmap *vpmap)
{
    spinlock_acquire(&sched_lock);
    cpus_local()->loaded_vpmap = vpmap;
    spinlock_release(&sched_lock);
}

void sched_wait_for_exited(void)
{
    // An exiting thread holds sched_lock from before it is counted as
    // exited (thread_exit_releasing) until its CPU has switched to the next
    // thread and loaded that one's page table: once the lock is free, it
    // is gone.
    spinlock_acquire(&sched_lock);
    spinlock_release(&sched_lock);
}

void sched_reap_exited(void)
{
    kassert(intr_enabled());
    spinlock_acquire(&sched_lock);
    unlock_and_reap();
    while (__atomic_load_n(&reaping, __ATOMIC_ACQUIRE) != 0) {
        cpus_relax();
    }
}

unsigned long sched_switch_count(void)
{
    spinlock_acquire(&sched_lock);
    unsigned long n = switches;
    spinlock_release(&sched_lock);
    return n;
}

// Runs when no other thread can: halts until an interrupt, then lets whoever
// that interrupt woke have the CPU. Looking at the run queue and halting are
// one step (intr_wait, interrupts off in between): a kick from a CPU that
// queued a thread just after the look ends the halt at once.
static _Noreturn void idle_loop(void *unused)
{
    (void)unused;
    for (;;) {
        sched_rest_point("the idle loop");
        intr_disable();
        if (__atomic_load_n(&run_head, __ATOMIC_RELAXED) == NULL) {
            intr_wait();
        } else {
            intr_enable();
        }
        sched_yield_cpu();
    }
}
