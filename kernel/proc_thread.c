// Threads of a process, and how a process ends: with its last thread
// (see kernel/proc.h, "Threads").

#include "arch/vpmap.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/proc_internal.h"
#include "kernel/sched.h"
#include "kernel/sync/sleeplock.h"

struct user_frame *thread_user_frame(struct thread *thread)
{
    return (struct user_frame *)(thread->kstack.top - user_frame_size());
}

struct proc_thread *my_slot(struct proc *p)
{
    struct thread *self = thread_current();
    for (int i = 0; i < THREADS_MAX; i++) {
        if (p->threads[i].thread == self) {
            return &p->threads[i];
        }
    }
    panic("proc: thread %d is not one of pid %d's", self->tid, p->pid);
}

void kill_threads(struct proc *p, struct thread *spared)
{
    for (int i = 0; i < THREADS_MAX; i++) {
        struct thread *t = p->threads[i].thread;
        if (t != NULL && t != spared) {
            sched_kill(t);  // and out of any wait that a kill interrupts
        }
    }
}

// First code of every process thread: into user mode with the frame its
// creator prepared. A thread killed between its start and now ends here,
// before its first instruction.
static void enter_user_mode(void *unused)
{
    (void)unused;
    proc_on_return_to_user();
    user_mode_enter(thread_user_frame(thread_current()));
}

err_t create_thread(struct proc *p, struct proc_thread *slot)
{
    struct thread *thread;
    err_t err = thread_create_suspended(p->name, enter_user_mode, NULL, &thread);
    if (err != ERR_OK) {
        return err;
    }
    thread->proc = p;
    thread->vpmap = p->as->vpmap;
    *slot = (struct proc_thread){.tid = thread->tid, .thread = thread};
    return ERR_OK;
}

err_t create_first_thread(struct proc *p)
{
    err_t err = create_thread(p, &p->threads[0]);
    if (err == ERR_OK) {
        p->live_threads = 1;
    }
    return err;
}

err_t end_other_threads(struct proc *p)
{
    spinlock_acquire(&proc_lock);
    kill_threads(p, thread_current());
    while (p->live_threads > 1 && !thread_killed()) {
        sched_sleep(p->threads, &proc_lock);
    }
    bool alone = p->live_threads == 1;
    if (alone) {
        struct proc_thread *self = my_slot(p);
        for (int i = 0; i < THREADS_MAX; i++) {
            if (&p->threads[i] != self) {
                p->threads[i] = (struct proc_thread){0};
            }
        }
    }
    spinlock_release(&proc_lock);
    return alone ? ERR_OK : ERR_KILLED;
}

// The end of a process, in its last thread: releases its files and memory,
// hands its children to init and becomes a zombie for its parent's wait.
static _Noreturn void end_process(struct proc *p)
{
    fdtable_close_all(&p->files);
    struct addrspace *as = replace_addrspace(p, NULL);
    // Leave our page table before freeing it: the kernel's serves as well.
    // The thread names the kernel's table first, so that a preemption at any
    // point from here on brings it back to that table, never to ours.
    thread_current()->vpmap = vpmap_kernel();
    vpmap_load(vpmap_kernel());
    sched_note_vpmap_loaded(vpmap_kernel());
    // The other threads have ended, but one may still be leaving its CPU,
    // on this page table.
    sched_wait_for_exited();
    as_destroy(as);

    spinlock_acquire(&proc_lock);
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *child = &procs[i];
        if (child->state != PROC_FREE && child->parent == p) {
            child->parent = init_proc;
            if (child->state == PROC_ZOMBIE) {
                sched_wakeup(init_proc);
            }
        }
    }
    for (int i = 0; i < THREADS_MAX; i++) {
        p->threads[i] = (struct proc_thread){0};
    }
    p->state = PROC_ZOMBIE;
    sched_wakeup(p->parent);  // it may be sleeping in wait (channel: itself)
    // Once proc_lock is released the parent may reap the slot; p is not
    // touched again. Releasing it only as the thread leaves the CPU means the
    // parent's wait returns after this thread's kernel stack is freed.
    thread_exit_releasing(&proc_lock);
}

_Noreturn void proc_thread_exit(int status)
{
    struct proc *p = proc_current();
    spinlock_acquire(&proc_lock);
    struct proc_thread *self = my_slot(p);
    self->thread = NULL;
    self->status = status;
    p->live_threads--;
    if (p->live_threads > 0) {
        sched_wakeup(p->threads);  // joiners, and an exec waiting for us
        thread_exit_releasing(&proc_lock);
    }
    if (!p->ending) {
        p->ending = true;
        p->exit_status = status;
    }
    if (p == init_proc) {
        panic("init (pid 1) exited with status %d", p->exit_status);
    }
    spinlock_release(&proc_lock);
    end_process(p);
}

_Noreturn void proc_exit(int status)
{
    struct proc *p = proc_current();
    spinlock_acquire(&proc_lock);
    if (!p->ending) {
        p->ending = true;
        p->exit_status = status;
        kill_threads(p, thread_current());
    }
    spinlock_release(&proc_lock);
    proc_thread_exit(status);
}

err_t proc_thread_start(vaddr_t entry, vaddr_t stack, uint64_t arg, int *tid)
{
    // An iretq to a non-canonical address would fault in the kernel: refuse
    // anything outside the user half here.
    if (entry >= VPMAP_USER_TOP || stack > VPMAP_USER_TOP) {
        return ERR_FAULT;
    }
    struct proc *p = proc_current();
    spinlock_acquire(&proc_lock);
    // A thread that is to end (its process ending, another thread's exec)
    // starts nobody: whoever ends it waits only for the threads it knows of.
    struct proc_thread *slot = NULL;
    for (int i = 0; i < THREADS_MAX && slot == NULL; i++) {
        if (p->threads[i].tid == 0) {
            slot = &p->threads[i];
        }
    }
    err_t err = thread_killed() ? ERR_KILLED : slot == NULL ? ERR_NOSPACE : ERR_OK;
    if (err != ERR_OK) {
        spinlock_release(&proc_lock);
        return err;
    }
    slot->tid = -1;  // taken, while the thread is made without the lock
    spinlock_release(&proc_lock);

    struct proc_thread made = {0};
    err = create_thread(p, &made);
    spinlock_acquire(&proc_lock);
    if (err == ERR_OK && thread_killed()) {
        err = ERR_KILLED;  // killed meanwhile: whoever did so did not see the new thread
    }
    if (err != ERR_OK) {
        *slot = (struct proc_thread){0};
        spinlock_release(&proc_lock);
        if (made.thread != NULL) {
            thread_free(made.thread);
        }
        return err;
    }
    struct user_frame *frame = thread_user_frame(made.thread);
    user_frame_init(frame, entry, stack);
    user_frame_set_arg(frame, arg);
    *slot = made;
    p->live_threads++;
    *tid = made.tid;
    spinlock_release(&proc_lock);
    thread_start(made.thread);
    return ERR_OK;
}

err_t proc_thread_join(int tid, int *status)
{
    struct proc *p = proc_current();
    spinlock_acquire(&proc_lock);
    struct proc_thread *target = NULL;
    for (int i = 0; i < THREADS_MAX && target == NULL; i++) {
        if (tid > 0 && p->threads[i].tid == tid && p->threads[i].thread != thread_current()) {
            target = &p->threads[i];
        }
    }
    err_t err = target == NULL ? ERR_SRCH : ERR_OK;
    while (err == ERR_OK && target->thread != NULL) {
        if (thread_killed()) {
            err = ERR_KILLED;
            break;
        }
        sched_sleep(p->threads, &proc_lock);
        if (target->tid != tid) {
            err = ERR_SRCH;  // another thread joined it first
        }
    }
    if (err == ERR_OK) {
        *status = target->status;
        *target = (struct proc_thread){0};
    }
    spinlock_release(&proc_lock);
    if (err == ERR_OK) {
        sched_reap_exited();  // as after wait: its kernel stack is free when we return
    }
    return err;
}

_Noreturn void proc_kill_current_explained(const char *reason, vaddr_t addr,
                                           void (*explain)(struct addrspace *as, vaddr_t addr))
{
    struct proc *p = proc_current();
    kprintf("pid %d (%s): killed: %s at 0x%lx\n", p->pid, p->name, reason, addr);
    if (explain != NULL && p->as != NULL) {
        sleeplock_acquire(&p->as->lock);
        explain(p->as, addr);
        sleeplock_release(&p->as->lock);
    }
    proc_exit(EXIT_STATUS_KILLED);
}

_Noreturn void proc_kill_current(const char *reason, vaddr_t addr)
{
    proc_kill_current_explained(reason, addr, NULL);
}

void proc_on_return_to_user(void)
{
    if (!thread_killed()) {
        return;
    }
    // Killed: by kill(), by another thread's exit or fatal fault, or by
    // another thread's exec. Only a kill() has a line to print, once.
    struct proc *p = proc_current();
    spinlock_acquire(&proc_lock);
    bool report = p->kill_pending_report;
    p->kill_pending_report = false;
    spinlock_release(&proc_lock);
    if (report) {
        kprintf("pid %d (%s): killed: by kill() at 0x%lx\n", p->pid, p->name,
                user_frame_pc(thread_user_frame(thread_current())));
    }
    proc_thread_exit(EXIT_STATUS_KILLED);
}
