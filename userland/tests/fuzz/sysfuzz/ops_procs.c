// Children and processes: faults, fork chains, plain children for wait and kill, and children
// killed while busy in the kernel (ops.h).

#include "userland/tests/fuzz/sysfuzz/ops.h"

#include <osv.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"
#include "userland/tests/fuzz/sysfuzz/children.h"
#include "userland/tests/fuzz/sysfuzz/cmdline.h"
#include "userland/tests/fuzz/sysfuzz/faults.h"
#include "userland/tests/fuzz/sysfuzz/fds.h"
#include "userland/tests/fuzz/sysfuzz/gen.h"
#include "userland/tests/fuzz/sysfuzz/memory.h"
#include "userland/tests/fuzz/sysfuzz/oracle.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"

// The deepest fork chain.
#define CHAIN_MAX 30

void op_fault(void)
{
    int kind = (int)below(FAULT_KINDS);
    int pid = fork_checked(fault_names[kind]);
    if (pid == 0) {
        fault_now(kind);
    }
    if (pid > 0 && reap(pid, EXIT_STATUS_KILLED, EXIT_STATUS_KILLED, fault_names[kind]) ==
                       EXIT_STATUS_KILLED) {
        rep.faulted++;
    }
}

// Level `level` of a chain `depth` deep that waits for each level: the
// deepest exits 0, every other one its child's status plus one.
static _Noreturn void chain_waiting(int level, int depth)
{
    if (level == depth) {
        _exit(0);
    }
    int pid = (int)osv_syscall(SYS_FORK, 0, 0, 0, 0, 0, 0);
    if (pid == 0) {
        chain_waiting(level + 1, depth);
    }
    int status = -1;
    if (pid < 0 ||
        osv_syscall(SYS_WAIT, (uint64_t)pid, (uint64_t)(uintptr_t)&status, 0, 0, 0, 0) != pid) {
        _exit(ST_CHILD_BAD);
    }
    _exit(status >= 0 && status < 200 ? status + 1 : ST_CHILD_BAD);
}

// An orphaning chain: each level closes every descriptor but the pipe's
// write end, forks the next level and exits at once (init inherits the
// rest); the deepest writes one byte.
static _Noreturn void chain_orphaning(int level, int depth, int wfd)
{
    for (int fd = 0; fd < FD_MAX; fd++) {
        if (fd != wfd && fd != DIAG_FD) {
            osv_syscall(SYS_CLOSE, (uint64_t)fd, 0, 0, 0, 0, 0);
        }
    }
    if (level == depth) {
        char byte = 'd';
        osv_syscall(SYS_WRITE, (uint64_t)wfd, (uint64_t)(uintptr_t)&byte, 1, 0, 0, 0);
        _exit(0);
    }
    int pid = (int)osv_syscall(SYS_FORK, 0, 0, 0, 0, 0, 0);
    if (pid == 0) {
        chain_orphaning(level + 1, depth, wfd);
    }
    _exit(pid > 0 ? 0 : ST_CHILD_BAD);
}

void op_chain(void)
{
    int depth = 2 + (int)below(CHAIN_MAX - 1);
    rep.chains++;
    if (chance(50)) {
        int pid = fork_checked("a waiting fork chain");
        if (pid == 0) {
            chain_waiting(1, depth);
        }
        if (pid > 0) {
            reap(pid, depth - 1, depth - 1, "a waiting fork chain");
            rep.levels += (uint64_t)depth;
        }
        return;
    }
    if (free_fds() < 2 || others_hold_fds()) {
        return;
    }
    int32_t fds[2];
    struct call c = {
        .nr = SYS_PIPE, .a = {(uint64_t)(uintptr_t)fds}, .note = "for an orphaning chain"};
    if (!verify(&c, issue(&c), ex_val(0))) {
        return;
    }
    model_pipe_created(fds[0], fds[1]);
    int pid = fork_checked("an orphaning fork chain");
    if (pid == 0) {
        chain_orphaning(1, depth, fds[1]);
    }
    struct call cl = {.nr = SYS_CLOSE, .a = {(uint64_t)fds[1]}};
    verify(&cl, issue(&cl), ex_val(0));
    model_close(fds[1]);
    if (pid > 0) {
        reap(pid, 0, 0, "an orphaning fork chain's first level");
        rep.levels += (uint64_t)depth;
        // One byte from the deepest level, then end of file once every
        // level has exited: all of them ran.
        char buf[4];
        struct call r = {.nr = SYS_READ,
                         .a = {(uint64_t)fds[0], (uint64_t)(uintptr_t)buf, 4},
                         .note = "the chain's byte"};
        verify(&r, issue(&r), ex_val(1));
        verify(&r, issue(&r), ex_val(0));
    }
    struct call cr = {.nr = SYS_CLOSE, .a = {(uint64_t)fds[0]}};
    verify(&cr, issue(&cr), ex_val(0));
    model_close(fds[0]);
}

// A plain child for wait and kill to find: exits with a chosen status
// (exit takes the low 8 bits of a 64-bit value), checks its ids first, or
// faults.
void op_fork(void)
{
    if (num_pending == PENDING_MAX) {
        struct child ch = pending[--num_pending];
        reap(ch.pid, ch.status_a, ch.status_b, "a pending child");
        rep.faulted += ch.fault;
        return;
    }
    uint64_t raw_status = chance(50) ? below(256) : rnd();
    int behaviour = (int)below(4);
    int kind = (int)below(FAULT_KINDS);
    int parent = my_pid;
    int pid = fork_checked("a plain child");
    if (pid == 0) {
        if (behaviour == 1) {
            bool ok = osv_syscall(SYS_GETPPID, 0, 0, 0, 0, 0, 0) == parent &&
                      osv_syscall(SYS_GETPID, 0, 0, 0, 0, 0, 0) > parent;
            osv_syscall(SYS_EXIT, ok ? raw_status : ST_CHILD_BAD, 0, 0, 0, 0, 0);
        } else if (behaviour == 2) {
            fault_now(kind);
        } else if (behaviour == 3) {
            osv_syscall(SYS_SLEEP, below(2), 0, 0, 0, 0, 0);
        }
        osv_syscall(SYS_EXIT, raw_status, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        if (behaviour != 2) {
            count_child_call(SYS_EXIT);
        }
        int s = behaviour == 2 ? EXIT_STATUS_KILLED : (int)(raw_status & 0xff);
        pending[num_pending++] = (struct child){pid, s, s, behaviour == 2};
    }
}
void op_wait(void)
{
    int status = -12345;
    struct uptr sp = chance(50)   ? at(0, "NULL")
                     : chance(70) ? at((uint64_t)(uintptr_t)&status, "stack")
                                  : gen_ptr(4);
    struct call c = {
        .nr = SYS_WAIT, .a = {0, sp.addr, junk(), junk(), junk(), junk()}, .note = sp.kind};
    int target = -1;  // index in pending
    uint64_t choice = below(6);
    if (choice == 0) {
        // Any child. (A bad status pointer would lose which one.)
        c.a[0] = (uint64_t)-1;
        if (sp.addr != 0 && sp.wr < 4) {
            c.a[1] = 0;
            sp = at(0, "NULL");
        }
        int64_t got = issue(&c);
        if (num_pending == 0) {
            verify(&c, got, ex_err(ERR_NOCHILD));
            return;
        }
        if (!verify(&c, got, ex_range(1, INT32_MAX)) || (target = find_pending((int)got)) < 0) {
            expect_true(false, "wait(-1) returns a child", (uint64_t)got);
            return;
        }
    } else if (choice <= 2 && num_pending > 0) {
        target = (int)below(num_pending);
        c.a[0] = (uint64_t)pending[target].pid;
        bool bad = sp.addr != 0 && sp.wr < 4;
        verify(&c, issue(&c), bad ? ex_err(ERR_FAULT) : ex_val(pending[target].pid));
        if (bad) {
            note_reaped(pending[target].pid);
            forget_pending(target);
            return;
        }
    } else if (choice == 3 && num_pending > 0) {
        // 64-bit values whose low half is a child's pid name no process.
        c.a[0] = ((1 + below(0xffffffff)) << 32) | (uint32_t)pending[below(num_pending)].pid;
        c.note = "pid beyond 32 bits";
        int64_t got = issue(&c);
        if (!verify(&c, got, ex_err(ERR_NOCHILD)) && (target = find_pending((int)got)) >= 0) {
            note_reaped(pending[target].pid);
            forget_pending(target);
        }
        return;
    } else {
        c.a[0] = chance(30) ? 0xffffffffull : absent_pid();  // 0xffffffff is not -1
        if (c.a[0] == (uint64_t)-1) {
            c.a[0] = 0;
        }
        c.note = "no such child";
        verify(&c, issue(&c), ex_err(ERR_NOCHILD));
        return;
    }
    struct child ch = pending[target];
    note_reaped(ch.pid);
    forget_pending(target);
    rep.faulted += ch.fault;
    if (sp.addr != 0) {
        int got_status;
        memcpy(&got_status, (const void *)(uintptr_t)sp.addr, sizeof got_status);
        expect_true(got_status == ch.status_a || got_status == ch.status_b,
                    "wait's status is the child's", (uint64_t)(uint32_t)got_status);
    }
}

void op_kill(void)
{
    struct call c = {.nr = SYS_KILL, .a = {0, junk(), junk(), junk(), junk(), junk()}};
    uint64_t choice = below(4);
    if (choice == 0 && num_pending > 0) {
        int i = (int)below(num_pending);
        c.a[0] = (uint64_t)pending[i].pid;
        c.note = "own child";
        // 0 while it lives; ERR_SRCH once it has exited (a zombie).
        verify(&c, issue(&c), ex_or(ex_val(0), ERR_SRCH));
        pending[i].status_b = EXIT_STATUS_KILLED;
        if (pending[i].status_a != EXIT_STATUS_KILLED) {
            pending[i].fault = false;
        }
    } else if (choice == 1 && (num_pending > 0 || num_reaped > 0)) {
        int low = num_pending > 0 && chance(60)
                      ? pending[below(num_pending)].pid
                      : reaped_pids[below(num_reaped < REAPED_MAX ? num_reaped : REAPED_MAX)];
        c.a[0] = ((1 + below(0xfffffffe)) << 32) | (uint32_t)low;
        c.note = "pid beyond 32 bits";
        verify(&c, issue(&c), ex_err(ERR_SRCH));
    } else {
        c.a[0] = absent_pid();
        c.note = "no such process";
        verify(&c, issue(&c), ex_err(ERR_SRCH));
    }
}
// A child busy in the kernel (forking and reaping, exec, pipes), killed at
// a random moment: whatever it was doing is cut short and undone. Its own
// children may be left to init.
//
// The child first closes every descriptor it has from the worker (all but
// DIAG_FD). It is reaped before the op ends, but what it starts could
// otherwise reach the worker's pipes, whose contents and open ends the
// model keeps as if the worker alone held them: the program it execs
// (sysfuzz again, which prints its usage on fd 2, into whatever pipe that
// is), and its children orphaned to init, which live on for a moment after
// the op with copies of every end.
void op_busy(void)
{
    int what = (int)below(3);
    static const char *const notes[] = {"a child forking, killed", "a child exec'ing, killed",
                                        "a child making pipes, killed"};
    int pid = fork_checked(notes[what]);
    if (pid == 0) {
        close_all_but(-1);
        char *argv[] = {"sysfuzz", "busy", NULL};
        for (int i = 0; i < 200; i++) {
            if (what == 0) {
                int64_t g = osv_syscall(SYS_FORK, 0, 0, 0, 0, 0, 0);
                if (g == 0) {
                    _exit(0);
                }
                osv_syscall(SYS_WAIT, (uint64_t)g, 0, 0, 0, 0, 0);
            } else if (what == 1) {
                static const char self[] = "sysfuzz";
                osv_syscall(SYS_EXEC, (uint64_t)(uintptr_t)self, (uint64_t)(uintptr_t)argv, 0, 0, 0,
                            0);
                _exit(ST_CHILD_BAD);  // exec of sysfuzz works; this is not reached
            } else {
                int32_t fds[2];
                if (osv_syscall(SYS_PIPE, (uint64_t)(uintptr_t)fds, 0, 0, 0, 0, 0) == 0) {
                    osv_syscall(SYS_WRITE, (uint64_t)fds[1], (uint64_t)(uintptr_t)fds, 8, 0, 0, 0);
                    osv_syscall(SYS_CLOSE, (uint64_t)fds[0], 0, 0, 0, 0, 0);
                    osv_syscall(SYS_CLOSE, (uint64_t)fds[1], 0, 0, 0, 0, 0);
                }
            }
        }
        _exit(0);
    }
    if (pid < 0) {
        return;
    }
    if (chance(70)) {
        osv_syscall(SYS_SLEEP, below(3), 0, 0, 0, 0, 0);
    }
    struct call k = {.nr = SYS_KILL, .a = {(uint64_t)pid}, .note = notes[what]};
    verify(&k, issue(&k), ex_or(ex_val(0), ERR_SRCH));
    // Finished first: 0, or sysfuzz's usage status after the exec.
    int done = what == 1 ? ST_USAGE : 0;
    if (reap(pid, EXIT_STATUS_KILLED, done, notes[what]) == EXIT_STATUS_KILLED) {
        rep.killed++;
    }
}
