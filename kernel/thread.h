#pragma once

// Kernel threads.
//
// A thread is a flow of control in the kernel with its own kernel stack
// (arch/kstack.h). Every process has one (kernel/proc.h); kernel-only work
// (self-tests, the idle loop) runs in threads without a process. Threads are
// scheduled preemptively, round robin (kernel/sched.h).
//
// A thread ends by calling thread_exit (returning from its function does the
// same); its stack and struct thread are freed by the scheduler once it has
// switched away from it, so exiting never leaks.

#include "arch/context.h"
#include "arch/kstack.h"
#include "arch/vpmap.h"
#include "kernel/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct proc;

enum thread_state {
    THREAD_RUNNING,   // on the CPU
    THREAD_RUNNABLE,  // in the run queue
    THREAD_SLEEPING,  // waiting in sched_sleep for a wakeup on sleep_chan
    THREAD_EXITED,    // waiting for the scheduler to free it
};

#define THREAD_NAME_MAX 16

struct thread {
    // Set at creation, then read-only.
    int tid;
    char name[THREAD_NAME_MAX];
    struct kstack kstack;  // .bottom == 0 for the boot thread (static stack)
    void (*fn)(void *);
    void *arg;

    // The process this thread runs for, and its page table; NULL for
    // kernel-only threads, which run on whatever page table is loaded (the
    // kernel half is the same in all). Set by the process code before the
    // thread first runs; the scheduler loads vpmap when it switches here.
    struct proc *proc;
    struct vpmap *vpmap;

    // Guarded by the scheduler lock (kernel/sched.c).
    enum thread_state state;
    struct context *context;  // saved registers while not running
    const void *sleep_chan;   // what it sleeps on, while THREAD_SLEEPING
    bool killed;              // set once by sched_kill (atomically); interruptible waits give up
    struct thread *next;      // link in the run queue or the exited list
};

// Creates a thread that will run fn(arg) and makes it runnable. On ERR_OK
// sets *out (if not NULL). Returns ERR_NOMEM or ERR_NOSPACE (no stack slot);
// then nothing was allocated. The top of every thread's kernel stack is
// reserved for a user frame (arch/user_mode.h).
err_t thread_create(const char *name, void (*fn)(void *), void *arg,
                    struct thread **out) MUST_CHECK;

// Like thread_create, but the thread does not run until thread_start: its
// creator can finish setting it up first.
err_t thread_create_suspended(const char *name, void (*fn)(void *), void *arg,
                              struct thread **out) MUST_CHECK;

// Makes a thread from thread_create_suspended runnable.
void thread_start(struct thread *thread);

// Ends the calling thread. Its memory is freed after the switch away.
// (Defined in sched.c.)
_Noreturn void thread_exit(void);

struct spinlock;

// thread_exit for a caller holding `lock`: releases it only once the thread
// is off the CPU's books, so that whoever the lock holds back (a parent
// waiting for this process) cannot run before the thread's memory is freed.
_Noreturn void thread_exit_releasing(struct spinlock *lock);

// The running thread. (Defined in sched.c, which owns that pointer.)
struct thread *thread_current(void);

// Threads created by thread_create and not yet freed (the boot thread is not
// counted; the idle thread is).
int thread_count(void);

// Frees an exited thread's stack and struct. For the scheduler only, once no
// CPU runs on that stack any more.
void thread_free(struct thread *thread);

#ifdef __cplusplus
}
#endif
