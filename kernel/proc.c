// Processes (see kernel/proc.h).

#include "kernel/proc.h"

#include "arch/vpmap.h"
#include "kernel/exec.h"
#include "kernel/kprintf.h"
#include "kernel/lib/string.h"
#include "kernel/mm/vm_eager.h"
#include "kernel/panic.h"
#include "kernel/pid.h"
#include "kernel/sched.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/sync/spinlock.h"

bool proc_fork_eagerly;

static struct spinlock proc_lock = SPINLOCK_INIT("proc");
static struct proc procs[PROC_MAX];  // guarded by proc_lock
static int last_pid;                 // the pid handed out last; guarded by proc_lock
static struct proc *init_proc;

struct proc *proc_current(void)
{
    return thread_current()->proc;
}

// The calling thread's entry in p->threads. proc_lock held.
static struct proc_thread *my_slot(struct proc *p)
{
    struct thread *self = thread_current();
    for (int i = 0; i < THREADS_MAX; i++) {
        if (p->threads[i].thread == self) {
            return &p->threads[i];
        }
    }
    panic("proc: thread %d is not one of pid %d's", self->tid, p->pid);
}

// Kills every thread of p that has not ended, but `spared` (NULL: none).
// proc_lock held.
static void kill_threads(struct proc *p, struct thread *spared)
{
    for (int i = 0; i < THREADS_MAX; i++) {
        struct thread *t = p->threads[i].thread;
        if (t != NULL && t != spared) {
            sched_kill(t);  // and out of any wait that a kill interrupts
        }
    }
}

struct fdtable *fdtable_current(void)
{
    return &proc_current()->files;
}

struct user_frame *thread_user_frame(struct thread *thread)
{
    return (struct user_frame *)(thread->kstack.top - user_frame_size());
}

// pid_next's view of the table: a slot keeps its pid from proc_alloc until
// it is free again. Called with proc_lock held.
static bool pid_taken(int pid, void *unused)
{
    (void)unused;
    for (int i = 0; i < PROC_MAX; i++) {
        if (procs[i].state != PROC_FREE && procs[i].pid == pid) {
            return true;
        }
    }
    return false;
}

// Takes a free table slot: state PROC_STARTING, a new pid, no parent yet, so
// neither kill nor wait finds it before proc_publish. ERR_NOSPACE.
static err_t proc_alloc(struct proc **out)
{
    spinlock_acquire(&proc_lock);
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *p = &procs[i];
        if (p->state == PROC_FREE) {
            // A free slot means fewer than PROC_MAX pids are taken: there
            // is always a pid to give.
            last_pid = pid_next(last_pid, pid_taken, NULL);
            kassert(last_pid > 0);
            *p = (struct proc){.state = PROC_STARTING, .pid = last_pid};
            spinlock_release(&proc_lock);
            *out = p;
            return ERR_OK;
        }
    }
    spinlock_release(&proc_lock);
    return ERR_NOSPACE;
}

// Gives back the slot of a process that never got published.
static void proc_free_slot(struct proc *p)
{
    spinlock_acquire(&proc_lock);
    kassert(p->state == PROC_STARTING);
    p->state = PROC_FREE;
    p->parent = NULL;
    spinlock_release(&proc_lock);
}

// Makes a complete process (address space, files, suspended thread) visible
// to kill and to its parent's wait, and lets its thread run.
static void proc_publish(struct proc *p, struct proc *parent)
{
    spinlock_acquire(&proc_lock);
    kassert(p->state == PROC_STARTING);
    p->parent = parent;
    p->state = PROC_ALIVE;
    spinlock_release(&proc_lock);
    thread_start(p->threads[0].thread);
}

void proc_set_name(struct proc *p, const char *path)
{
    const char *base = path;
    for (const char *c = path; *c != '\0'; c++) {
        if (*c == '/') {
            base = c + 1;
        }
    }
    size_t len = strnlen(base, PROC_NAME_MAX - 1);
    memcpy(p->name, base, len);
    p->name[len] = '\0';
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

// Creates a thread (suspended) of p, pointed at p and its page table, and
// describes it in *slot. The caller counts it in live_threads and starts it.
static err_t create_thread(struct proc *p, struct proc_thread *slot)
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

// Gives a process under construction its first thread.
static err_t create_first_thread(struct proc *p)
{
    err_t err = create_thread(p, &p->threads[0]);
    if (err == ERR_OK) {
        p->live_threads = 1;
    }
    return err;
}

err_t proc_start_init(const char *path, int argc, const char *const argv[])
{
    struct proc *p;
    err_t err = proc_alloc(&p);
    if (err != ERR_OK) {
        return err;
    }
    kassert(p->pid == PID_INIT);
    struct exec_image image;
    err = exec_load(path, argc, argv, &image);
    if (err != ERR_OK) {
        proc_free_slot(p);
        return err;
    }
    p->as = image.as;
    proc_set_name(p, path);
    struct file *console;
    err = console_file_open(&console);
    if (err == ERR_OK) {
        // Descriptors 0, 1 and 2 of an empty table: installing cannot fail.
        for (int i = 0; i < 3; i++) {
            int fd;
            err_t installed = fdtable_install(&p->files, i == 0 ? console : file_get(console), &fd);
            kassert(installed == ERR_OK && fd == i);
        }
    }
    if (err == ERR_OK) {
        err = create_first_thread(p);
    }
    if (err != ERR_OK) {
        fdtable_close_all(&p->files);
        as_destroy(p->as);
        proc_free_slot(p);
        return err;
    }
    user_frame_init(thread_user_frame(p->threads[0].thread), image.entry, image.stack_pointer);
    init_proc = p;
    proc_publish(p, NULL);
    return ERR_OK;
}

err_t proc_fork(int *child_pid)
{
    struct proc *parent = proc_current();
    struct proc *child;
    err_t err = proc_alloc(&child);
    if (err != ERR_OK) {
        return err;
    }
    memcpy(child->name, parent->name, sizeof(child->name));
    // LAB cow BEGIN: fork copy-on-write
    err =
        proc_fork_eagerly ? as_copy_eager(parent->as, &child->as) : as_copy(parent->as, &child->as);
    // LAB cow END
    if (err == ERR_OK) {
        err = create_first_thread(child);
        if (err != ERR_OK) {
            as_destroy(child->as);
        }
    }
    if (err != ERR_OK) {
        proc_free_slot(child);
        return err;
    }
    fdtable_copy(&child->files, &parent->files);
    // The child resumes where the calling thread made the call, seeing 0.
    struct user_frame *frame = thread_user_frame(child->threads[0].thread);
    memcpy(frame, thread_user_frame(thread_current()), user_frame_size());
    user_frame_set_return(frame, 0);
    *child_pid = child->pid;
    proc_publish(child, parent);
    return ERR_OK;
}

// Makes `replacement` (NULL at exit) p's address space and returns the one
// it replaces, once no thread of another process reads that any more
// (proc_with_addrspace): then the caller may destroy it. New readers find
// only the replacement, so the wait ends.
static struct addrspace *replace_addrspace(struct proc *p, struct addrspace *replacement)
{
    spinlock_acquire(&proc_lock);
    struct addrspace *old = p->as;
    p->as = replacement;
    while (old->readers > 0) {
        sched_sleep(&old->readers, &proc_lock);
    }
    spinlock_release(&proc_lock);
    return old;
}

// Ends p's other threads and waits until they have, forgetting the ended
// ones nobody joined (the new program cannot know their tids). ERR_KILLED,
// with some perhaps ended, when the caller is killed meanwhile (another
// thread's exec or exit won).
static err_t end_other_threads(struct proc *p)
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

err_t proc_exec(const char *path, int argc, const char *const argv[])
{
    struct exec_image image;
    err_t err = exec_load(path, argc, argv, &image);
    if (err != ERR_OK) {
        return err;
    }
    struct proc *p = proc_current();
    err = end_other_threads(p);
    if (err != ERR_OK) {
        as_destroy(image.as);
        return err;
    }
    struct thread *self = thread_current();
    struct addrspace *old = replace_addrspace(p, image.as);
    self->vpmap = image.as->vpmap;
    vpmap_load(image.as->vpmap);
    sched_note_vpmap_loaded(image.as->vpmap);
    // The ended threads are off the books; one may still be leaving its
    // CPU, on the old page table.
    sched_wait_for_exited();
    as_destroy(old);

    proc_set_name(p, path);
    user_frame_init(thread_user_frame(self), image.entry, image.stack_pointer);
    return ERR_OK;
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

    struct proc_thread made;
    err = create_thread(p, &made);
    spinlock_acquire(&proc_lock);
    if (err == ERR_OK && thread_killed()) {
        // Killed meanwhile: whoever did so did not see the new thread.
        thread_free(made.thread);
        err = ERR_KILLED;
    }
    if (err != ERR_OK) {
        *slot = (struct proc_thread){0};
        spinlock_release(&proc_lock);
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

err_t proc_with_addrspace(int pid, void (*fn)(struct addrspace *as, void *ctx), void *ctx)
{
    // Find the address space and count ourselves among its readers, so that
    // exec and exit wait for us before they destroy it (replace_addrspace);
    // then read it under its own lock, which keeps its owner's changes out.
    spinlock_acquire(&proc_lock);
    struct addrspace *as = NULL;
    for (int i = 0; i < PROC_MAX && as == NULL; i++) {
        struct proc *p = &procs[i];
        if (p->state == PROC_ALIVE && p->pid == pid) {
            as = p->as;  // NULL once the process is exiting
        }
    }
    if (as == NULL) {
        spinlock_release(&proc_lock);
        return ERR_SRCH;
    }
    as->readers++;
    spinlock_release(&proc_lock);

    sleeplock_acquire(&as->lock);
    fn(as, ctx);
    sleeplock_release(&as->lock);

    spinlock_acquire(&proc_lock);
    if (--as->readers == 0) {
        sched_wakeup(&as->readers);
    }
    spinlock_release(&proc_lock);
    return ERR_OK;
}

int64_t proc_wait(int pid, int *status)
{
    struct proc *self = proc_current();
    spinlock_acquire(&proc_lock);
    for (;;) {
        bool have_child = false;
        for (int i = 0; i < PROC_MAX; i++) {
            struct proc *child = &procs[i];
            if (child->state == PROC_FREE || child->parent != self ||
                (pid != -1 && child->pid != pid)) {
                continue;
            }
            have_child = true;
            if (child->state == PROC_ZOMBIE) {
                int child_pid = child->pid;
                *status = child->exit_status;
                child->state = PROC_FREE;
                child->parent = NULL;
                spinlock_release(&proc_lock);
                return child_pid;
            }
        }
        if (!have_child || thread_killed()) {
            spinlock_release(&proc_lock);
            return ERR_NOCHILD;
        }
        sched_sleep(self, &proc_lock);
    }
}

err_t proc_kill(int pid)
{
    spinlock_acquire(&proc_lock);
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *p = &procs[i];
        if (p->state == PROC_ALIVE && p->pid == pid) {
            if (!p->ending) {
                p->ending = true;
                p->exit_status = EXIT_STATUS_KILLED;
                p->kill_pending_report = true;
                kill_threads(p, NULL);
            }
            spinlock_release(&proc_lock);
            return ERR_OK;
        }
    }
    spinlock_release(&proc_lock);
    return ERR_SRCH;
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

int proc_count(void)
{
    int n = 0;
    spinlock_acquire(&proc_lock);
    for (int i = 0; i < PROC_MAX; i++) {
        n += procs[i].state != PROC_FREE;
    }
    spinlock_release(&proc_lock);
    return n;
}

int proc_parent_pid(struct proc *p)
{
    spinlock_acquire(&proc_lock);
    int ppid = p->parent != NULL ? p->parent->pid : 0;
    spinlock_release(&proc_lock);
    return ppid;
}
