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

struct fdtable *fdtable_current(void)
{
    return &proc_current()->files;
}

struct user_frame *proc_user_frame(struct proc *p)
{
    return (struct user_frame *)(p->thread->kstack.top - user_frame_size());
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
    thread_start(p->thread);
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
// creator prepared. A process killed between proc_publish and now ends here,
// before its first instruction.
static void enter_user_mode(void *arg)
{
    struct proc *p = arg;
    proc_on_return_to_user();
    user_mode_enter(proc_user_frame(p));
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

// Creates p's thread (suspended), pointed at p and its page table.
static err_t create_thread(struct proc *p)
{
    err_t err = thread_create_suspended(p->name, enter_user_mode, p, &p->thread);
    if (err != ERR_OK) {
        return err;
    }
    p->thread->proc = p;
    p->thread->vpmap = p->as->vpmap;
    return ERR_OK;
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
        err = create_thread(p);
    }
    if (err != ERR_OK) {
        fdtable_close_all(&p->files);
        as_destroy(p->as);
        proc_free_slot(p);
        return err;
    }
    user_frame_init(proc_user_frame(p), image.entry, image.stack_pointer);
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
        err = create_thread(child);
        if (err != ERR_OK) {
            as_destroy(child->as);
        }
    }
    if (err != ERR_OK) {
        proc_free_slot(child);
        return err;
    }
    fdtable_copy(&child->files, &parent->files);
    // The child resumes where the parent made the call, seeing 0.
    memcpy(proc_user_frame(child), proc_user_frame(parent), user_frame_size());
    user_frame_set_return(proc_user_frame(child), 0);
    *child_pid = child->pid;
    proc_publish(child, parent);
    return ERR_OK;
}

err_t proc_exec(const char *path, int argc, const char *const argv[])
{
    struct exec_image image;
    err_t err = exec_load(path, argc, argv, &image);
    if (err != ERR_OK) {
        return err;
    }
    struct proc *p = proc_current();
    struct addrspace *old = replace_addrspace(p, image.as);
    p->thread->vpmap = image.as->vpmap;
    vpmap_load(image.as->vpmap);
    sched_note_vpmap_loaded(image.as->vpmap);
    as_destroy(old);

    proc_set_name(p, path);
    user_frame_init(proc_user_frame(p), image.entry, image.stack_pointer);
    return ERR_OK;
}

_Noreturn void proc_exit(int status)
{
    struct proc *p = proc_current();
    if (p == init_proc) {
        panic("init (pid 1) exited with status %d", status);
    }
    fdtable_close_all(&p->files);
    struct addrspace *as = replace_addrspace(p, NULL);
    // Leave our page table before freeing it: the kernel's serves as well.
    // The thread names the kernel's table first, so that a preemption at any
    // point from here on brings it back to that table, never to ours.
    p->thread->vpmap = vpmap_kernel();
    vpmap_load(vpmap_kernel());
    sched_note_vpmap_loaded(vpmap_kernel());
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
    p->state = PROC_ZOMBIE;
    p->exit_status = status;
    sched_wakeup(p->parent);  // it may be sleeping in wait (channel: itself)
    // Once proc_lock is released the parent may reap the slot; p is not
    // touched again. Releasing it only as the thread leaves the CPU means the
    // parent's wait returns after this thread's kernel stack is freed.
    thread_exit_releasing(&proc_lock);
}

_Noreturn void proc_kill_current_explained(const char *reason, vaddr_t addr,
                                           void (*explain)(struct addrspace *as, vaddr_t addr))
{
    struct proc *p = proc_current();
    kprintf("pid %d (%s): killed: %s at 0x%lx\n", p->pid, p->name, reason, addr);
    if (explain != NULL) {
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
            sched_kill(p->thread);  // and out of any wait that a kill interrupts
            spinlock_release(&proc_lock);
            return ERR_OK;
        }
    }
    spinlock_release(&proc_lock);
    return ERR_SRCH;
}

void proc_on_return_to_user(void)
{
    if (thread_killed()) {
        struct proc *p = proc_current();
        proc_kill_current("by kill()", user_frame_pc(proc_user_frame(p)));
    }
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
