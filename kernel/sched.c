// The scheduler (see kernel/sched.h).
//
// Every switch goes through switch_away, with the scheduler lock held and the
// outgoing thread's new state already set. The lock is held across
// context_switch and released by the thread that runs next: by the code after
// its own earlier switch_away, or, for a brand-new thread, by
// sched_start_thread. Exited threads cannot free their own stack while
// running on it, so they go on a list that the next thread frees right after
// it releases the lock (unlock_and_reap).

#include "kernel/sched.h"

#include <stdbool.h>

#include "arch/cpus.h"
#include "arch/interrupts.h"
#include "arch/user_mode.h"
#include "arch/vpmap.h"
#include "kernel/mm/vm_check.h"
#include "kernel/panic.h"
#include "kernel/sync/intr.h"
#include "kernel/timer.h"

static struct spinlock sched_lock = SPINLOCK_INIT("sched");

// All guarded by sched_lock. Only the bootstrap processor runs threads so
// far, so all but the running thread (arch/cpus.h's struct cpu_local) are
// still global.
static struct thread boot_thread;
static struct thread *idle_thread;
static struct thread *run_head;  // FIFO of THREAD_RUNNABLE threads
static struct thread *run_tail;
static struct thread *sleepers;  // THREAD_SLEEPING threads, oldest first
static struct thread *exited;    // THREAD_EXITED threads not yet freed
static int slice_left;
static bool need_resched;
static unsigned long switches;
static int preempted_in_kernel;     // threads sched_preempt took off the CPU in kernel code
static struct vpmap *loaded_vpmap;  // the page table in the CPU; NULL: not one of ours

static void idle_loop(void *unused);

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

// Switches from the running thread, whose state the caller has set, to the
// next thread. Returns, with sched_lock held, when it runs again.
static void switch_away(void)
{
    kassert(spinlock_held(&sched_lock));
    struct thread *prev = running();
    if (prev->state == THREAD_RUNNABLE && prev != idle_thread) {
        enqueue(prev);
    }
    struct thread *next = dequeue();
    if (next == NULL) {
        next = idle_thread;  // also when idle itself yields with nothing to do
    }
    slice_left = SCHED_SLICE_TICKS;
    need_resched = false;
    if (next == prev) {
        prev->state = THREAD_RUNNING;
        return;
    }
    next->state = THREAD_RUNNING;
    cpus_local()->thread = next;
    switches++;
    if (next->vpmap != NULL && next->vpmap != loaded_vpmap) {
        vpmap_load(next->vpmap);
        loaded_vpmap = next->vpmap;
    }
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
// other threads run (a parent back from wait, measuring free memory) while a
// dead child's kernel stack, off the exited list already, was still taken.
static void unlock_and_reap(void)
{
    struct thread *dead = exited;
    exited = NULL;
    intr_push_off();
    spinlock_release(&sched_lock);
    while (dead != NULL) {
        struct thread *next = dead->next;
        thread_free(dead);
        dead = next;
    }
    intr_pop_off();
}

void sched_init(void)
{
    boot_thread = (struct thread){.tid = 0, .name = "main", .state = THREAD_RUNNING};
    cpus_local()->thread = &boot_thread;
    slice_left = SCHED_SLICE_TICKS;
    if (thread_create("idle", idle_loop, NULL, &idle_thread) != ERR_OK) {
        panic("sched_init: cannot create the idle thread");
    }
    // thread_create queued it; idle runs only when the queue is empty.
    spinlock_acquire(&sched_lock);
    kassert(dequeue() == idle_thread);
    spinlock_release(&sched_lock);
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
    // Interrupts off from finding this CPU to reading its slot: in between,
    // the thread could be preempted and go on elsewhere.
    intr_push_off();
    struct thread *self = running();
    intr_pop_off();
    return self;
}

void sched_make_runnable(struct thread *thread)
{
    spinlock_acquire(&sched_lock);
    thread->state = THREAD_RUNNABLE;
    enqueue(thread);
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
    if (self == &boot_thread || self == idle_thread) {
        panic("thread_exit: the %s thread must not exit", self->name);
    }
    self->state = THREAD_EXITED;
    self->next = exited;
    exited = self;
    switch_away();
    panic("thread_exit: an exited thread ran again");
}

void sched_sleep(const void *chan, struct spinlock *lock)
{
    // Taking sched_lock before dropping `lock` closes the window in which a
    // wakeup could come and go unnoticed.
    spinlock_acquire(&sched_lock);
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
    wake(&tick_channel, true);
    spinlock_acquire(&sched_lock);
    if (--slice_left <= 0 || running() == idle_thread) {
        need_resched = true;
    }
    spinlock_release(&sched_lock);
}

void sched_preempt(bool interrupted_kernel)
{
    spinlock_acquire(&sched_lock);
    if (!need_resched) {
        spinlock_release(&sched_lock);
        return;
    }
    // The idle thread is never part way through anything: it only halts.
    struct thread *self = running();
    bool mid_kernel = interrupted_kernel && self != idle_thread;
    self->state = THREAD_RUNNABLE;
    preempted_in_kernel += mid_kernel;
    switch_away();
    preempted_in_kernel -= mid_kernel;
    unlock_and_reap();
}

bool sched_others_at_rest(void)
{
    spinlock_acquire(&sched_lock);
    bool at_rest = preempted_in_kernel == 0;
    spinlock_release(&sched_lock);
    return at_rest;
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
    loaded_vpmap = vpmap;
    spinlock_release(&sched_lock);
}

unsigned long sched_switch_count(void)
{
    spinlock_acquire(&sched_lock);
    unsigned long n = switches;
    spinlock_release(&sched_lock);
    return n;
}

// Runs when no other thread can: halts until an interrupt, then lets whoever
// that interrupt woke have the CPU.
static void idle_loop(void *unused)
{
    (void)unused;
    for (;;) {
        // Every other thread is asleep: nothing is half done anywhere.
        vm_check_at_rest("the idle loop", true);
        intr_wait();
        sched_yield_cpu();
    }
}
