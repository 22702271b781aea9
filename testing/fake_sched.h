#pragma once

// Host stand-in for threads and the scheduler (kernel/thread.h,
// kernel/sched.h), for tests of the code that creates and tracks threads
// without running them: the process code (kernel/proc.c).
//
// There is one CPU and it never switches: a thread is created (its struct
// from kmalloc and one pmem page for the top of its kernel stack, where the
// user frame lives, so that running out of memory hits thread creation as
// on the machine), started (recorded, never run), and freed. The running
// thread is whichever the test names (fake_sched_set_current). A thread can
// run to its exit (fake_sched_run_to_exit), as a process's last system call
// does. Anything else that would need another thread to run (sleeping, with
// nobody to wake it) stops the test with a message instead of hanging it.

extern "C" {
#include "kernel/sched.h"
#include "kernel/thread.h"
}

// Makes `thread` the running one (what thread_current returns).
void fake_sched_set_current(struct thread *thread);

// Whether thread_start was called for `thread`.
bool fake_sched_started(const struct thread *thread);

// The thread thread_start was called for last (nullptr if none).
struct thread *fake_sched_last_started();

// Runs fn(arg) as `thread` up to the thread's exit (thread_exit or
// thread_exit_releasing, which releases its lock as on the machine), then
// frees the thread, as the scheduler does once it has left the CPU, and
// makes the thread that was running before current again. fn must not
// return (the test fails if it does).
void fake_sched_run_to_exit(struct thread *thread, void (*fn)(void *), void *arg);
