// The worker (worker.h).

#include "userland/tests/fuzz/sysfuzz/worker.h"

#include <osv.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"
#include "userland/tests/fuzz/sysfuzz/children.h"
#include "userland/tests/fuzz/sysfuzz/fds.h"
#include "userland/tests/fuzz/sysfuzz/memory.h"
#include "userland/tests/fuzz/sysfuzz/ops.h"
#include "userland/tests/fuzz/sysfuzz/oracle.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"
#include "userland/tests/fuzz/sysfuzz/threads.h"

struct op {
    void (*fn)(void);
    int weight;
};

// How often each op runs, relative to the others. The weights shape every
// seed's rounds: changing one changes what every seed replays.
static const struct op ops[] = {
    {op_nosys, 4},       {op_ids, 3},          {op_shutdown, 1},    {op_sleep, 1},
    {op_sysinfo, 4},     {op_sbrk, 6},         {op_open, 8},        {op_close, 6},
    {op_dup, 5},         {op_pipe, 5},         {op_fstat, 5},       {op_read, 10},
    {op_write, 10},      {op_fault, 5},        {op_chain, 1},       {op_fork, 4},
    {op_wait, 4},        {op_kill, 4},         {op_exec, 4},        {op_block, 3},
    {op_wakeup, 2},      {op_transfer, 1},     {op_busy, 2},        {op_thread_start, 4},
    {op_thread_join, 3}, {op_thread_limit, 1}, {op_thread_fork, 1}, {op_thread_child, 4},
};

static void run_op(void)
{
    int total = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        total += ops[i].weight;
    }
    int pick = (int)below((uint64_t)total);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        pick -= ops[i].weight;
        if (pick < 0) {
            ops[i].fn();
            return;
        }
    }
}

// Moves the report pipe's write end to REPORT_FD and a console descriptor
// to DIAG_FD, and closes everything else: the fuzzed calls never see the
// console.
static void arrange_descriptors(int report_w)
{
    int fd;
    while ((fd = (int)osv_syscall(SYS_DUP, 1, 0, 0, 0, 0, 0)) >= 0 && fd < DIAG_FD) {
    }
    // Every slot is taken now, DIAG_FD by the console.
    osv_syscall(SYS_CLOSE, REPORT_FD, 0, 0, 0, 0, 0);
    if (report_w != REPORT_FD) {
        osv_syscall(SYS_DUP, (uint64_t)report_w, 0, 0, 0, 0, 0);  // lands on REPORT_FD
    }
    for (fd = 0; fd < REPORT_FD; fd++) {
        osv_syscall(SYS_CLOSE, (uint64_t)fd, 0, 0, 0, 0, 0);
    }
    fds_start();
}

_Noreturn void worker(int report_w)
{
    char outer[1024];
    stack_scratch = outer;
    memset(outer, 0, sizeof outer);
    arrange_descriptors(report_w);
    rep = (struct report){0};
    my_pid = (int)osv_syscall(SYS_GETPID, 0, 0, 0, 0, 0, 0);
    my_parent = (int)osv_syscall(SYS_GETPPID, 0, 0, 0, 0, 0, 0);
    brk_now = (uint64_t)osv_syscall(SYS_SBRK, 0, 0, 0, 0, 0, 0);
    expect_true(brk_now == heap_start, "the worker's break starts at the heap's start", brk_now);
    wt_round_start();

    // A few files and pipes to start with.
    int setup = 2 + (int)below(6);
    for (op_no = -setup; op_no < 0; op_no++) {
        if (chance(50)) {
            op_open();
            continue;
        }
        int before = free_fds();
        op_pipe();
        if (free_fds() == before - 2 && chance(50)) {
            // A pipe with one end closed: reads see end of file, writes ERR_PIPE.
            int fd = -1;
            for (int i = FD_MAX - 1; i >= 0 && fd < 0; i--) {
                if (fdmap[i] >= 0 && ofiles[fdmap[i]].kind == (chance(50) ? F_PIPE_R : F_PIPE_W)) {
                    fd = i;
                }
            }
            if (fd >= 0) {
                struct call c = {.nr = SYS_CLOSE, .a = {(uint64_t)fd}, .note = "one end"};
                verify(&c, issue(&c), ex_val(0));
                model_close(fd);
            }
        }
    }
    int count = 16 + (int)below(32);
    for (op_no = 0; op_no < count; op_no++) {
        run_op();
    }
    wt_join_all();
    while (num_pending > 0) {
        struct child ch = pending[--num_pending];
        reap(ch.pid, ch.status_a, ch.status_b, "a pending child, at the end");
        rep.faulted += ch.fault;
    }
    osv_syscall(SYS_WRITE, REPORT_FD, (uint64_t)(uintptr_t)&rep, sizeof rep, 0, 0, 0);
    _exit(0);
}
