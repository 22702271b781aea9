#pragma once

// What the process code's files share (kernel/proc.c, proc_table.c,
// proc_thread.c, proc_exec.c): the table and its lock, and the steps of
// making, publishing and ending a process. Not for anyone else: the rest of
// the kernel uses kernel/proc.h.

#include "kernel/proc.h"
#include "kernel/sync/spinlock.h"

// Guards the table, every struct proc field marked so in proc.h, and the
// parent/child links.
extern struct spinlock proc_lock;
extern struct proc procs[PROC_MAX];
extern struct proc *init_proc;  // pid 1, set once by proc_start_init

// Takes a free table slot: state PROC_STARTING, a new pid, no parent yet, so
// neither kill nor wait finds it before proc_publish. ERR_NOSPACE.
err_t proc_alloc(struct proc **out) MUST_CHECK;

// Gives back the slot of a process that never got published.
void proc_free_slot(struct proc *p);

// Makes a complete process (address space, files, suspended first thread)
// visible to kill and to its parent's wait, and lets its thread run.
void proc_publish(struct proc *p, struct proc *parent);

// Gives a process under construction its first thread, suspended, on p's
// address space (which must be set): ERR_NOMEM, ERR_NOSPACE.
err_t create_first_thread(struct proc *p) MUST_CHECK;

// Creates a thread (suspended) of p, pointed at p and its page table, and
// describes it in *slot. The caller counts it in live_threads and starts
// it. ERR_NOMEM, ERR_NOSPACE.
err_t create_thread(struct proc *p, struct proc_thread *slot) MUST_CHECK;

// The calling thread's entry in p->threads. proc_lock held.
struct proc_thread *my_slot(struct proc *p);

// Kills every thread of p that has not ended, but `spared` (NULL: none).
// proc_lock held.
void kill_threads(struct proc *p, struct thread *spared);

// Ends p's other threads and waits until they have, forgetting the ended
// ones nobody joined. ERR_KILLED when the caller is killed meanwhile.
err_t end_other_threads(struct proc *p) MUST_CHECK;

// Makes `replacement` (NULL at exit) p's address space and returns the one
// it replaces, once no thread of another process reads that any more
// (proc_with_addrspace): then the caller may destroy it.
struct addrspace *replace_addrspace(struct proc *p, struct addrspace *replacement);
