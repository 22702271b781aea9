#pragma once

// Process ids: how the next one is chosen.
//
// A pid is a positive int. They are handed out in increasing order, so a
// pid is not reused soon after its process is reaped (a stale pid held by
// some program then names nothing rather than a stranger). At PID_MAX the
// count wraps around to PID_FIRST_REUSABLE, skipping every pid still in use:
// a live process, a zombie or a process under construction keeps its pid
// until it is reaped. Pid 1 is init's forever and 0 means "no process", so
// neither is ever handed out again.
//
// The caller owns the counter and the table and holds whatever lock guards
// them (kernel/proc.c: proc_lock).

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PID_INIT           1
#define PID_FIRST_REUSABLE 2
#define PID_MAX            0x7fffffff  // INT32_MAX: pids travel as int

// Whether `pid` is taken; ctx is the caller's (its process table).
typedef bool pid_in_use_fn(int pid, void *ctx);

// The first pid after `last` (in the wrapping order above) for which
// in_use(pid, ctx) is false; 0 only if every pid is taken, which a table
// far smaller than PID_MAX cannot do. `last` is
// the pid handed out before (0 at boot: the first pid is then 1). in_use is
// called at most once per candidate, so with a table of n slots the answer
// comes after at most n + 1 calls.
int pid_next(int last, pid_in_use_fn *in_use, void *ctx);

#ifdef __cplusplus
}
#endif
