// The process table: slots and pids, the parent/child tree, wait, kill,
// and reading another process's address space (see kernel/proc.h).

#include "kernel/lib/string.h"
#include "kernel/panic.h"
#include "kernel/pid.h"
#include "kernel/proc.h"
#include "kernel/proc_internal.h"
#include "kernel/sched.h"
#include "kernel/sync/sleeplock.h"

struct spinlock proc_lock = SPINLOCK_INIT("proc");
struct proc procs[PROC_MAX];  // guarded by proc_lock
static int last_pid;          // the pid handed out last; guarded by proc_lock
struct proc *init_proc;

struct proc *proc_current(void)
{
    return thread_current()->proc;
}

struct fdtable *fdtable_current(void)
{
    return &proc_current()->files;
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

err_t proc_alloc(struct proc **out)
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

void proc_free_slot(struct proc *p)
{
    spinlock_acquire(&proc_lock);
    kassert(p->state == PROC_STARTING);
    p->state = PROC_FREE;
    p->parent = NULL;
    spinlock_release(&proc_lock);
}

void proc_publish(struct proc *p, struct proc *parent)
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

struct addrspace *replace_addrspace(struct proc *p, struct addrspace *replacement)
{
    spinlock_acquire(&proc_lock);
    struct addrspace *old = p->as;
    p->as = replacement;
    while (old->readers > 0) {
        sched_sleep_uninterruptible(&old->readers, &proc_lock);
    }
    spinlock_release(&proc_lock);
    return old;
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
                // Its last thread may still be being freed on its CPU:
                // back from wait, the caller counts free memory exactly.
                sched_reap_exited();
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
