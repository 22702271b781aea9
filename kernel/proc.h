#pragma once

// Processes: a user program running in its own address space.
//
// A process has one thread (kernel/thread.h), an address space
// (kernel/mm/vm.h) and a table of open files (kernel/fs/fdtable.h). Processes
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
// Locking: proc_lock (internal) guards every field marked so below, the
// process table and the parent/child links. The other fields belong to the
// process's own thread.

#include <stdbool.h>

#include "arch/user_mode.h"
#include "kernel/err.h"
#include "kernel/fs/fdtable.h"
#include "kernel/mm/vm.h"
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

struct proc {
    // Guarded by proc_lock.
    enum proc_state state;
    int pid;
    struct proc *parent;
    int exit_status;  // once PROC_ZOMBIE

    // The process's own; set up by whoever creates it before it runs.
    char name[PROC_NAME_MAX];
    struct thread *thread;
    struct addrspace *as;
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

// The user frame of the running process's thread (kernel stack top).
struct user_frame *proc_user_frame(struct proc *p);

// fork: a copy of the calling process, whose own fork returns 0. Sets
// *child_pid and returns ERR_OK, or returns ERR_NOSPACE (process table full)
// or ERR_NOMEM; on error nothing of the child remains.
err_t proc_fork(int *child_pid) MUST_CHECK;

// Ends the calling process with `status`. Never returns.
_Noreturn void proc_exit(int status);

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

// Called on every return to user mode: ends the process if it was killed.
void proc_on_return_to_user(void);

// exec: replaces the calling process's program with initrd program `path`
// run with argv[0..argc) (kernel/exec.h loads it). On ERR_OK the old address
// space is gone and the process's user frame starts the new program when the
// system call returns. On error the process is unchanged. Errors as
// exec_load.
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
