#pragma once

// The worker's operations, one function each: choose arguments (gen.h),
// predict the result from the models (memory.h, fds.h, children.h,
// initrd_files.h), make the call, compare (oracle.h), and update the
// models from what the kernel did. The worker picks them at random, with
// the weights in worker.c.

#include <stdbool.h>
#include <stdint.h>

// ops_system.c: the process and the system as a whole.
void op_nosys(void);     // numbers that name no call: ERR_NOSYS
void op_ids(void);       // getpid, getppid, ticks
void op_shutdown(void);  // not init: ERR_PERM
void op_sleep(void);     // a few ticks
void op_sysinfo(void);   // to good and bad pointers
void op_sbrk(void);      // growth, shrinking, and sizes that cannot fit

// Moves the break by inc and checks the result against the model; returns
// whether it moved. Whole pages that appear are checked to read as zero and
// then marked, so that a shrink and regrow must show zeros again.
bool model_sbrk(int64_t inc, const char *note);

// ops_files.c: descriptors and what they refer to.
void op_open(void);
void op_close(void);
void op_dup(void);
void op_pipe(void);
void op_fstat(void);
void op_read(void);
void op_write(void);

// ops_procs.c: children.
void op_fault(void);  // a child that faults on purpose (faults.h)
void op_chain(void);  // a fork chain, waited for or orphaned
void op_fork(void);   // a plain child, left pending for wait and kill
void op_wait(void);
void op_kill(void);
void op_busy(void);  // a child busy in the kernel, killed

// ops_exec.c: exec, in a child: the path and argv oracles follow
// sys_exec's order (the path, then each argv slot and its string), then the
// initrd lookup.
void op_exec(void);

// ops_pipes.c: pipes between the worker and its children.
void op_block(void);     // calls that block until something happens, ended by kill
void op_wakeup(void);    // a blocked child woken by the other end's close
void op_transfer(void);  // a few pipefuls from a child, checked byte by byte

// ops_threads.c: threads (threads.h), the worker's own and its children's.
void op_thread_start(void);  // threads beside the worker or waited for; bad entries and stacks
void op_thread_join(void);   // a thread of ours, or tids that name none: ERR_SRCH
void op_thread_limit(void);  // THREADS_MAX threads, ended ones counted: ERR_NOSPACE
void op_thread_fork(void);   // a fork beside busy threads copies only the caller
void op_thread_child(void);  // a child of several threads, ended every way a process can be
