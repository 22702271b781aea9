#pragma once

// Processes: a user program running in its own address space.
//
// A process has one or more threads (kernel/thread.h), which share its
// address space (kernel/mm/vm.h) and its table of open files
// (kernel/fs/fdtable.h). Processes
// form a tree: each has a parent, which reaps it with wait once it exits;
// the children of a process that exits are handed to init (pid 1). An exited
// process is a zombie until reaped: it keeps only its struct proc (pid, exit
// status), having released every page, page table, kernel stack and file.
//
// A process under construction (PROC_STARTING: fork has taken its table slot
// and pid but is still copying memory and making its thread) does not exist
// yet for anyone else: kill of its pid fails with ERR_SRCH, and wait does not
// see it. It becomes PROC_ALIVE in one step, under proc_lock, once it is
// complete, just before its thread first runs; if fork fails instead, the
// slot goes back to PROC_FREE and nobody ever saw the pid.
//
// A process ends by exit, or is ended by the kernel: on a fault it cannot
// serve (one line on the console says why: pid, name, address, reason), or
// by kill(), which takes effect the next time it would return to user mode.
// Either way its parent sees status EXIT_STATUS_KILLED.
//
// Threads: a process starts with one thread; proc_thread_start adds more
// (up to THREADS_MAX), each with its own kernel stack and user frame,
// all running in the process's address space, possibly on several CPUs at
// once. A thread ends by proc_thread_exit; another thread of the process
// collects its status with proc_thread_join (until then it keeps its slot,
// like a zombie). Ending the process (exit, a fatal fault, kill) ends all
// of its threads: each is killed (sched_kill) and ends at its next return
// to user mode or interruptible wait, and the last to end releases the
// process's memory and files. The process's status is the one given by
// whatever started its end first; when its last thread simply exits, that
// thread's status. fork copies only the calling thread; exec first ends
// the others.
//
// Locking: proc_lock (internal) guards every field marked so below, the
// process table and the parent/child links. The address space has its own
// lock (kernel/mm/vm.h). The name and files belong to the process's
// threads (the fdtable locks itself).

#include <stdbool.h>

#include "arch/user_mode.h"
#include "kernel/err.h"
#include "kernel/fs/fdtable.h"
#include "kernel/mm/vm.h"
#include "kernel/syscall_abi.h"
#include "kernel/thread.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PROC_MAX      64
#define PROC_NAME_MAX 16

enum proc_state {
    PROC_FREE,      // table slot unused
    PROC_STARTING,  // being built by fork or proc_start_init: not there yet for kill or wait
    PROC_ALIVE,     // complete: has its thread, address space and parent
    PROC_ZOMBIE,    // exited, waiting for its parent's wait
};

// One thread of a process, as the process keeps track of it.
struct proc_thread {
    int tid;                // 0: the slot is free
    struct thread *thread;  // while it runs; NULL once it has ended
    int status;             // once it has ended: for proc_thread_join
};

struct proc {
    // Guarded by proc_lock.
    enum proc_state state;
    int pid;
    struct proc *parent;
    int exit_status;                          // once ending (and PROC_ZOMBIE)
    bool ending;                              // every thread is to end (exit, kill, fault)
    bool kill_pending_report;                 // kill() ended it: a thread prints the line
    int live_threads;                         // threads that have not ended
    struct proc_thread threads[THREADS_MAX];  // threads[0]: the first
    struct addrspace *as;                     // replaced by exec; NULL once ending

    // The process's threads'; set up by whoever creates it before it runs.
    char name[PROC_NAME_MAX];
    struct fdtable files;
};

// Whether fork copies every page at once (kernel/mm/vm_eager.h) instead of
// sharing them copy-on-write: the kernel command line's fork=eager sets it,
// for benchmarks that compare the two in the same kernel.
extern bool proc_fork_eagerly;

// Starts init, pid 1, running the initrd program `path` with argv (argc
// strings) and the console as descriptors 0, 1 and 2. ERR_NOENT, ERR_NOEXEC,
// ERR_NOMEM, ERR_TOOLONG.
err_t proc_start_init(const char *path, int argc, const char *const argv[]) MUST_CHECK;

// The process of the running thread; NULL in kernel-only threads.
struct proc *proc_current(void);

// The user frame of a thread of a process (at its kernel stack's top).
struct user_frame *thread_user_frame(struct thread *thread);

// fork: a copy of the calling process, whose own fork returns 0. Sets
// *child_pid and returns ERR_OK, or returns ERR_NOSPACE (process table full)
// or ERR_NOMEM; on error nothing of the child remains. The child has one
// thread, a copy of the caller. The caller holds its address space's lock.
err_t proc_fork(int *child_pid) MUST_CHECK;

// Ends the calling process with `status` (unless its end has already
// begun, whose status then stands): every thread ends (see Threads above).
// Never returns.
_Noreturn void proc_exit(int status);

// Starts a thread in the calling process, in user mode at `entry` with the
// stack pointer at `stack` and `arg` as its first argument; sets *tid.
// Errors: ERR_FAULT (entry or stack outside the user half), ERR_NOSPACE
// (THREADS_MAX threads, counting ended ones not yet joined),
// ERR_KILLED (the caller is being ended), ERR_NOMEM.
err_t proc_thread_start(vaddr_t entry, vaddr_t stack, uint64_t arg, int *tid) MUST_CHECK;

// Ends the calling thread with `status`, for proc_thread_join. The last
// thread of a process to end ends the process, with `status` unless its
// end had begun already. Never returns.
_Noreturn void proc_thread_exit(int status);

// Waits until thread `tid` of the calling process ends, stores its status
// in *status, and frees its slot. Errors: ERR_SRCH (no such thread, already
// joined, or the caller itself), ERR_KILLED (the caller is being ended).
err_t proc_thread_join(int tid, int *status) MUST_CHECK;

// Ends the calling process because of `reason` at user address addr: prints
// "pid P (name): killed: reason at 0xADDR" and exits with
// EXIT_STATUS_KILLED. Never returns.
_Noreturn void proc_kill_current(const char *reason, vaddr_t addr);

// proc_kill_current with more on the console: after the kill line, and
// before the process exits, calls explain(as, addr) with the process's
// address space, for lines that say more about the cause (vm_view's report
// of the address space around a faulting address). explain must not sleep.
_Noreturn void proc_kill_current_explained(const char *reason, vaddr_t addr,
                                           void (*explain)(struct addrspace *as, vaddr_t addr));

// Calls fn(as, ctx) with the address space of the live process pid (any
// process, not only the caller's children), holding that address space's
// lock (kernel/mm/vm.h): its process's own changes wait meanwhile, and it
// can neither exec nor exit until fn returns. fn must not touch user memory
// or take another address space's lock. What fn reads is consistent: every
// change to an address space is made whole under its lock. Returns
// ERR_SRCH, without
// calling fn, when there is no live process pid: none, a zombie, one fork is
// still building, or one that is exiting (its address space going or gone).
err_t proc_with_addrspace(int pid, void (*fn)(struct addrspace *as, void *ctx),
                          void *ctx) MUST_CHECK;

// Waits for a child (pid, or any child for -1) to exit, reaps it and returns
// its pid, storing its status in *status. ERR_NOCHILD if there is no such
// child.
int64_t proc_wait(int pid, int *status);

// Asks process pid to end. ERR_SRCH if there is no live process pid (none
// at all, a zombie, or one that fork is still building).
err_t proc_kill(int pid) MUST_CHECK;

// Called on every return to user mode: ends the calling thread if it was
// killed (its process is ending, or another thread's exec ends it).
void proc_on_return_to_user(void);

// exec: replaces the calling process's program with initrd program `path`
// run with argv[0..argc) (kernel/exec.h loads it). Once the program is
// loaded, the process's other threads are ended and waited for. On ERR_OK
// the old address space is gone and the caller's user frame starts the new
// program when the system call returns. On error the process is unchanged
// (but for its other threads, if it was the wait that failed). Errors as
// exec_load, or ERR_KILLED when the caller is ended meanwhile.
err_t proc_exec(const char *path, int argc, const char *const argv[]) MUST_CHECK;

// Names p after the last component of path ("/bin/sh" -> "sh"), truncated
// to PROC_NAME_MAX - 1 characters.
void proc_set_name(struct proc *p, const char *path);

// The pid of p's parent (0 if none).
int proc_parent_pid(struct proc *p);

// Process table slots in use (live processes and zombies), for leak checks.
int proc_count(void);

#ifdef __cplusplus
}
#endif
