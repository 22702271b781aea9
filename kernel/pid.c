// Choosing process ids (see kernel/pid.h).

#include "kernel/pid.h"

static int after(int pid)
{
    return pid >= PID_MAX ? PID_FIRST_REUSABLE : pid + 1;
}

int pid_next(int last, pid_in_use_fn *in_use, void *ctx)
{
    if (last < 0) {
        last = 0;
    }
    // After a wrap the candidates are PID_FIRST_REUSABLE..PID_MAX; stop
    // when we come back round to where we started.
    int first = after(last);
    int pid = first;
    do {
        if (!in_use(pid, ctx)) {
            return pid;
        }
        pid = after(pid);
    } while (pid != first);
    return 0;
}
