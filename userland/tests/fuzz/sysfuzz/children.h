#pragma once

// The worker's children: the model of which ones may still be alive, and
// the ways the worker runs one (forked and checked, reaped and checked,
// killed in a call that may block).
//
// Children of the worker that may still be alive hold copies of its
// descriptors: while there are any, whether a pipe end is closed is not
// known (others_hold_fds).

#include <stdbool.h>
#include <stdint.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"

// Exit statuses of the worker's children that report something themselves.
#define ST_EXEC_ERROR_BASE 100  // exec returned err: 100 + -err
#define ST_EXEC_RETURNED   99   // exec returned a value >= 0
#define ST_FAULT_SURVIVED  253  // a child meant to fault did not
#define ST_CHILD_BAD       254  // a child's own check failed

// A child not yet reaped.
struct child {
    int pid;
    int status_a, status_b;  // it should end with one of these
    bool fault;              // it was meant to fault
};

#define PENDING_MAX 6
#define REAPED_MAX  16

extern struct child pending[PENDING_MAX];
extern int num_pending;
extern int reaped_pids[REAPED_MAX];  // the last former children: pids nobody has now
extern int num_reaped;

// The worker's own pid and its parent's (the fuzzer's).
extern int my_pid, my_parent;

bool others_hold_fds(void);

// pid has been reaped.
void note_reaped(int pid);

// The index in pending of child pid, or -1.
int find_pending(int pid);

// Drops pending[i].
void forget_pending(int i);

// Forks, checking the result (a failure must be ERR_NOSPACE or ERR_NOMEM)
// and counting the child in rep; returns what fork returned. what names
// the child in a mismatch line.
int fork_checked(const char *what);

// Waits for child pid, which must end with status a or b (a killed child
// shows EXIT_STATUS_KILLED); returns the status.
int reap(int pid, int a, int b, const char *what);

// Runs c, a call that may block, in a child, which kill() then ends; the
// call's own result is not checked (it may or may not have completed).
// Pipe `pipe` (or none, -1), which the call touched, loses its modelled
// contents.
void blocking_in_child(const struct call *c, int pipe);

// In a child: closes every descriptor but keep (and DIAG_FD).
void close_all_but(int keep);
