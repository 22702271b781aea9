// The worker's children (children.h).

#include "userland/tests/fuzz/sysfuzz/children.h"

#include <osv.h>
#include <unistd.h>

#include "userland/tests/fuzz/sysfuzz/fds.h"
#include "userland/tests/fuzz/sysfuzz/oracle.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"

struct child pending[PENDING_MAX];
int num_pending;
int reaped_pids[REAPED_MAX];
int num_reaped;
int my_pid, my_parent;

bool others_hold_fds(void)
{
    return num_pending > 0;
}

void note_reaped(int pid)
{
    reaped_pids[num_reaped++ % REAPED_MAX] = pid;
}

int find_pending(int pid)
{
    for (int i = 0; i < num_pending; i++) {
        if (pending[i].pid == pid) {
            return i;
        }
    }
    return -1;
}

void forget_pending(int i)
{
    pending[i] = pending[--num_pending];
}

int fork_checked(const char *what)
{
    struct call f = {
        .nr = SYS_FORK, .a = {junk(), junk(), junk(), junk(), junk(), junk()}, .note = what};
    int64_t pid = issue(&f);
    if (pid < 0) {
        verify(&f, pid, ex_or(ex_err(ERR_NOSPACE), ERR_NOMEM));
    } else if (pid > 0) {
        rep.children++;
    }
    return (int)pid;
}

int reap(int pid, int a, int b, const char *what)
{
    int status = -12345;
    struct call w = {
        .nr = SYS_WAIT, .a = {(uint64_t)pid, (uint64_t)(uintptr_t)&status}, .note = what};
    if (verify(&w, issue(&w), ex_val(pid))) {
        note_reaped(pid);
        expect_status(status, a, b, what);
    }
    return status;
}

void blocking_in_child(const struct call *c, int pipe)
{
    int pid = (int)sc(SYS_FORK, junk(), junk(), 0, 0, 0, 0);
    if (pid == 0) {
        osv_syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
        _exit(0);
    }
    if (pid > 0) {
        count_child_call(c->nr);
    }
    if (pid < 0) {
        struct call f = {.nr = SYS_FORK, .note = "for a blocking call"};
        verify(&f, pid, ex_or(ex_err(ERR_NOSPACE), ERR_NOMEM));
        return;
    }
    rep.children++;
    if (chance(60)) {
        osv_syscall(SYS_SLEEP, below(3), 0, 0, 0, 0, 0);  // let it block first
    }
    struct call k = {.nr = SYS_KILL, .a = {(uint64_t)pid}, .note = "a child in a blocking call"};
    verify(&k, issue(&k), ex_or(ex_val(0), ERR_SRCH));
    int status = 0;
    struct call w = {.nr = SYS_WAIT, .a = {(uint64_t)pid, (uint64_t)(uintptr_t)&status}};
    verify(&w, issue(&w), ex_val(pid));
    expect_true(status == EXIT_STATUS_KILLED || status == 0, "the blocked child's status",
                (uint64_t)status);
    rep.killed += status == EXIT_STATUS_KILLED;
    note_reaped(pid);
    if (pipe >= 0) {
        pipes[pipe].fill = -1;
    }
}

void close_all_but(int keep)
{
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (fd != keep && fd != DIAG_FD) {
            osv_syscall(SYS_CLOSE, (uint64_t)fd, 0, 0, 0, 0, 0);
        }
    }
}
