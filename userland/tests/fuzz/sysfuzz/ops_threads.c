// Threads: the worker's own, beside it or waited for; joins and starts that
// must fail; a full thread table; fork beside busy threads; and children
// of several threads that end in every way a process can (ops.h).

#include <osv.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"
#include "userland/tests/fuzz/sysfuzz/children.h"
#include "userland/tests/fuzz/sysfuzz/cmdline.h"
#include "userland/tests/fuzz/sysfuzz/faults.h"
#include "userland/tests/fuzz/sysfuzz/gen.h"
#include "userland/tests/fuzz/sysfuzz/memory.h"
#include "userland/tests/fuzz/sysfuzz/ops.h"
#include "userland/tests/fuzz/sysfuzz/oracle.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"
#include "userland/tests/fuzz/sysfuzz/threads.h"

// The record of starts that should fail: should one start all the same, it
// runs no script and ends at once, and is joined at once.
static struct wthread spare;

static uint64_t entry_addr(void)
{
    return (uint64_t)(uintptr_t)wt_entry;
}

static bool hot_running(void)
{
    for (int i = 0; i < WT_POOL; i++) {
        if (wthreads[i].tid > 0 && wthreads[i].end == WT_BUSY && wthreads[i].hot) {
            return true;
        }
    }
    return false;
}

// The oracle's word on a start with good arguments: a tid above every
// one the worker has had, or ERR_NOMEM; ERR_NOSPACE when the table is full
// (either, when lost records make that unknown).
static struct expect start_expect(bool full)
{
    struct expect ok = ex_or(ex_range(wt_last_tid + 1, INT32_MAX), ERR_NOMEM);
    return wt_lost > 0 ? ex_or(ok, ERR_NOSPACE) : full ? ex_err(ERR_NOSPACE) : ok;
}

// thread_start(entry, stack, spare), predicted to fail with want.
static void start_refused(uint64_t entry, uint64_t stack, struct expect want, const char *note)
{
    struct call c = {.nr = SYS_THREAD_START,
                     .a = {entry, stack, (uint64_t)(uintptr_t)&spare, junk(), junk(), junk()},
                     .note = note};
    wt_plan(&spare, 0, false, false);
    int64_t got = issue(&c);
    verify(&c, got, want);
    if (got > 0 && entry == entry_addr() && stack == wt_stack_top(&spare)) {
        osv_syscall(SYS_THREAD_JOIN, (uint64_t)got, 0, 0, 0, 0, 0);
    }
}

// Starts record t's thread (planned); whether it started.
static bool start_planned(struct wthread *t, const char *note)
{
    struct call c = {
        .nr = SYS_THREAD_START,
        .a = {entry_addr(), wt_stack_top(t), (uint64_t)(uintptr_t)t, junk(), junk(), junk()},
        .note = note};
    int64_t got = issue(&c);
    verify(&c, got, start_expect(false));
    if (got <= 0) {
        return false;
    }
    t->tid = (int)got;
    t->op = op_no;
    wt_last_tid = t->tid > wt_last_tid ? t->tid : wt_last_tid;
    rep.threads++;
    return true;
}

// A status for thread_exit or exit: 0..255, or 64 bits of which the kernel
// keeps the low 8.
static uint64_t gen_status(void)
{
    return chance(50) ? below(256) : rnd();
}

// thread_start with an entry or a stack outside the user half (each list
// holds its last address; an offset is taken away, never added, so that
// nothing wraps into the user half).
static void start_outside(void)
{
    static const uint64_t entries[] = {KERNEL_TEXT + 63, KERNEL_HALF + 63, NONCANONICAL + 63,
                                       UINT64_MAX, (1ull << 63) + 63};
    static const uint64_t stacks[] = {KERNEL_TEXT + 64, KERNEL_HALF + 64, NONCANONICAL + 72,
                                      UINT64_MAX, (1ull << 63) + 64};
    uint64_t entry = entry_addr(), stack = wt_stack_top(&spare);
    const char *note;
    if (chance(50)) {
        entry = entries[below(sizeof entries / sizeof entries[0])] - below(64);
        note = "an entry outside the user half";
    } else {
        stack = stacks[below(sizeof stacks / sizeof stacks[0])] - 8 * below(8);
        note = "a stack outside the user half";
    }
    if (chance(20)) {
        entry = entries[below(sizeof entries / sizeof entries[0])];
        note = "an entry and a stack outside the user half";
    }
    // The order of the two checks is the kernel's: when the table is full
    // either error is right.
    struct expect want = ex_err(ERR_FAULT);
    if (wt_free(0) == NULL || wt_lost > 0) {
        want = ex_or(want, ERR_NOSPACE);
    }
    start_refused(entry, stack, want, note);
}

void op_thread_start(void)
{
    if (chance(15)) {
        start_outside();
        return;
    }
    // The worker waits (joins them at once), or goes on beside them.
    bool waits = chance(40);
    int n = 1 + (int)below(3);
    struct wthread *started[3];
    int k = 0;
    for (int i = 0; i < n; i++) {
        struct wthread *t = wt_free(0);
        if (t == NULL) {
            start_refused(entry_addr(), wt_stack_top(&spare), start_expect(true),
                          "THREADS_MAX threads already");
            break;
        }
        wt_plan(t, (int)below(WT_STEPS + 1), false, waits);
        t->status = gen_status();
        t->end = !waits && chance(50) ? WT_BUSY : WT_RETURN;
        t->hot = t->end == WT_BUSY && chance(30) && !hot_running();
        if (start_planned(t,
                          waits ? "a thread the worker waits for" : "a thread beside the worker")) {
            started[k++] = t;
        }
    }
    while (waits && k > 0) {
        int i = (int)below((uint64_t)k);
        wt_join(started[i], true);
        started[i] = started[--k];
    }
}

void op_thread_join(void)
{
    int live[WT_POOL], n = 0;
    for (int i = 0; i < WT_POOL; i++) {
        if (wthreads[i].tid > 0) {
            live[n++] = i;
        }
    }
    if (n > 0 && chance(60)) {
        wt_join(&wthreads[live[below((uint64_t)n)]], true);
        return;
    }
    // Tids that name no thread this worker may join: ERR_SRCH, and no
    // thread is joined (the status pointer is not reached).
    struct uptr sp = chance(50) ? at(0, "NULL") : gen_ptr(4);
    struct call c = {.nr = SYS_THREAD_JOIN, .a = {0, sp.addr, junk(), junk(), junk(), junk()}};
    int low = n > 0 ? wthreads[live[below((uint64_t)n)]].tid : wt_my_tid;
    switch (below(6)) {
    case 0:
        c.a[0] = (uint64_t)wt_my_tid;
        c.note = "the caller itself";
        break;
    case 1:
        if (wt_num_joined > 0) {
            c.a[0] = (uint64_t)wt_joined[below(
                (uint64_t)(wt_num_joined < WT_JOINED_MAX ? wt_num_joined : WT_JOINED_MAX))];
            c.note = "joined already";
            break;
        }
        c.a[0] = (uint64_t)(INT32_MAX - (int64_t)below(1000));
        c.note = "not handed out yet";
        break;
    case 2:
        c.a[0] = ((1 + below(0xffffffff)) << 32) | (uint32_t)low;
        c.note = "tid beyond 32 bits";
        break;
    case 3: {
        const int64_t odd[] = {0, -1, INT32_MIN, -(int64_t)low, INT32_MAX};
        c.a[0] = (uint64_t)odd[below(sizeof odd / sizeof odd[0])];
        c.note = "no such tid";
        break;
    }
    case 4:
        c.a[0] = (uint64_t)fuzzer_tid;
        c.note = "a thread of another process";
        break;
    default:
        c.a[0] = (uint64_t)(wt_last_tid + 1 + (int64_t)below(3));
        c.note = "a tid beyond the worker's last (perhaps another process's)";
        break;
    }
    verify(&c, issue(&c), ex_err(ERR_SRCH));
}

// Quick threads until the table is full, ended ones counted: then one more
// is ERR_NOSPACE. Sometimes a join makes room again.
void op_thread_limit(void)
{
    for (struct wthread *t; (t = wt_free(0)) != NULL;) {
        wt_plan(t, 0, false, false);
        t->status = gen_status();
        if (!start_planned(t, "filling the thread table")) {
            return;  // out of memory: the table is not full
        }
    }
    if (chance(50)) {
        struct call s = {.nr = SYS_SLEEP, .a = {1}, .note = "let them end"};
        verify(&s, issue(&s), ex_val(0));
    }
    start_refused(entry_addr(), wt_stack_top(&spare), start_expect(true),
                  "THREADS_MAX threads, ended ones not joined");
    if (chance(50)) {
        struct wthread *t = &wthreads[below(WT_POOL)];
        if (t->tid > 0) {
            wt_join(t, false);
            wt_plan(t, (int)below(WT_STEPS + 1), false, false);
            t->status = gen_status();
            start_planned(t, "room again after a join");
        }
    }
}

// Waits (uncounted, as the fuzzer's own business) until busy thread t has
// run; whether it did within 5 s.
static bool until_running(struct wthread *t)
{
    for (int waited = 0; __atomic_load_n(&t->spins, __ATOMIC_RELAXED) == 0; waited++) {
        if (waited == 500) {
            return false;
        }
        osv_syscall(SYS_SLEEP, 1, 0, 0, 0, 0, 0);
    }
    return true;
}

// A fork while busy threads write their buffers: the child has only the
// forking thread. In it the busy threads' tids name nothing, their
// counters (its own copy) stand still, and it may start threads of its
// own though the worker's table is full.
void op_thread_fork(void)
{
    struct wthread *busy = NULL;
    for (int i = 0; i < WT_POOL && busy == NULL; i++) {
        if (wthreads[i].tid > 0 && wthreads[i].end == WT_BUSY) {
            busy = &wthreads[i];
        }
    }
    if (busy == NULL) {
        busy = wt_free(0);
        if (busy == NULL) {
            return;
        }
        wt_plan(busy, (int)below(3), false, false);
        busy->end = WT_BUSY;
        busy->hot = !hot_running() && chance(50);
        busy->status = gen_status();
        if (!start_planned(busy, "a busy thread to fork beside")) {
            return;
        }
    }
    expect_true(until_running(busy), "a busy thread runs within 500 ticks", (uint64_t)busy->tid);
    uint64_t nap = 1 + below(2);
    int pid = fork_checked("a fork beside busy threads");
    if (pid == 0) {
        bool ok = osv_syscall(SYS_GETTID, 0, 0, 0, 0, 0, 0) != wt_my_tid;
        uint64_t before[WT_POOL];
        for (int i = 0; i < WT_POOL; i++) {
            before[i] = __atomic_load_n(&wthreads[i].spins, __ATOMIC_RELAXED);
            if (wthreads[i].tid > 0) {
                ok = ok && osv_syscall(SYS_THREAD_JOIN, (uint64_t)wthreads[i].tid, 0, 0, 0, 0, 0) ==
                               ERR_SRCH;
            }
        }
        wt_plan(&spare, 0, false, false);
        int64_t tid = osv_syscall(SYS_THREAD_START, entry_addr(), wt_stack_top(&spare),
                                  (uint64_t)(uintptr_t)&spare, 0, 0, 0);
        if (tid == ERR_NOMEM) {
            osv_syscall(SYS_EXIT, ST_NO_ROOM, 0, 0, 0, 0, 0);
        }
        int status = -1;
        ok = ok && tid > 0 &&
             osv_syscall(SYS_THREAD_JOIN, (uint64_t)tid, (uint64_t)(uintptr_t)&status, 0, 0, 0,
                         0) == tid &&
             status == 0;
        osv_syscall(SYS_SLEEP, nap, 0, 0, 0, 0, 0);
        for (int i = 0; i < WT_POOL; i++) {
            ok = ok && __atomic_load_n(&wthreads[i].spins, __ATOMIC_RELAXED) == before[i];
        }
        osv_syscall(SYS_EXIT, ok ? 0 : ST_CHILD_BAD, 0, 0, 0, 0, 0);
    }
    if (pid > 0) {
        count_child_call(SYS_EXIT);
        reap(pid, 0, ST_NO_ROOM, "a fork beside busy threads");
    }
}

// ---- Children of several threads.

enum child_kind {
    TC_EXIT,   // a thread other than the first exits while the others spin, sleep, read
    TC_LAST,   // each thread joins the one before; the last one's thread_exit ends it
    TC_KILL,   // killed while every thread spins, sleeps or reads
    TC_FAULT,  // a thread faults (or starts at a bad entry or on a bad stack)
    TC_FORK,   // a thread forks beside spinners
    TC_EXEC,   // a thread execs beside the others
    TC_KINDS,
};

static const char *const child_notes[TC_KINDS] = {
    "threads: exit from a thread not the first",
    "threads: the last thread_exit ends the process",
    "threads: killed while they spin, sleep and read",
    "threads: one faults",
    "threads: fork beside spinners",
    "threads: exec beside the others",
};

// Ways a child starts its faulting thread: with a good entry and stack
// (the thread faults in fault_now), or at once, at entry NULL, an
// unmapped address, data (not executable), a routine that returns (to
// address 0), or on a stack at NULL, at the top of the user half, or in
// text.
enum bad_start {
    BS_NONE,
    BS_ENTRY_NULL,
    BS_ENTRY_UNMAPPED,
    BS_ENTRY_DATA,
    BS_ENTRY_RETURNS,
    BS_STACK_NULL,
    BS_STACK_TOP,
    BS_STACK_TEXT,
    BS_KINDS,
};

static void start_args(struct wthread *t, enum bad_start how, uint64_t *entry, uint64_t *stack)
{
    *entry = entry_addr();
    *stack = wt_stack_top(t);
    switch (how) {
    case BS_NONE:
        break;
    case BS_ENTRY_NULL:
        *entry = 0;
        break;
    case BS_ENTRY_UNMAPPED:
        *entry = USER_REGION_MIN - PAGE_SIZE;
        break;
    case BS_ENTRY_DATA:
        *entry = (uint64_t)(uintptr_t)t->buf;
        break;
    case BS_ENTRY_RETURNS:
        *entry = (uint64_t)(uintptr_t)&text_target;
        *(uint64_t *)(uintptr_t)*stack = 0;  // its return address
        break;
    case BS_STACK_NULL:
        *stack = 0;
        break;
    case BS_STACK_TOP:
        *stack = NONCANONICAL;  // the top of the user half: accepted; the first push faults
        break;
    default:
        *stack = pg_round_down((uint64_t)(uintptr_t)&text_target) + PAGE_SIZE / 2;
        break;
    }
}

// In the child: starts threads 1..n-1 of records t, then runs t[0].
static _Noreturn void run_threaded_child(struct wthread **t, int n, int bad, enum bad_start how)
{
    close_all_but(-1);
    for (int i = 0; i < WT_POOL; i++) {
        wthreads[i].tid = 0;  // the worker's threads are not here
    }
    int32_t fds[2] = {-1, -1};
    for (int i = 0; i < n; i++) {
        if (t[i]->end == WT_READ && fds[0] < 0 &&
            osv_syscall(SYS_PIPE, (uint64_t)(uintptr_t)fds, 0, 0, 0, 0, 0) != 0) {
            osv_syscall(SYS_EXIT, ST_NO_ROOM, 0, 0, 0, 0, 0);
        }
        t[i]->arg = t[i]->end == WT_READ ? fds[0] : t[i]->arg;
    }
    wt_pid = (int)osv_syscall(SYS_GETPID, 0, 0, 0, 0, 0, 0);
    t[0]->tid = (int)osv_syscall(SYS_GETTID, 0, 0, 0, 0, 0, 0);
    for (int i = 1; i < n; i++) {
        uint64_t entry, stack;
        start_args(t[i], i == bad ? how : BS_NONE, &entry, &stack);
        int64_t tid =
            osv_syscall(SYS_THREAD_START, entry, stack, (uint64_t)(uintptr_t)t[i], 0, 0, 0);
        if (tid <= 0) {
            osv_syscall(SYS_EXIT, tid == ERR_NOMEM ? ST_NO_ROOM : ST_CHILD_BAD, 0, 0, 0, 0, 0);
        }
        t[i]->tid = (int)tid;
    }
    __atomic_store_n(&wt_go, 1, __ATOMIC_RELEASE);
    wt_run(t[0]);
}

// What a thread that does not decide the child's end does: spins (hot or
// not), sleeps, or reads a pipe nobody writes to.
static void background(struct wthread *t)
{
    static const enum wt_end ends[] = {WT_SPIN, WT_SLEEP, WT_READ};
    t->end = ends[below(3)];
    t->hot = t->end == WT_SPIN && chance(30);
}

void op_thread_child(void)
{
    enum child_kind kind = (enum child_kind)below(TC_KINDS);
    // Records the worker's threads do not use; t[0] is the child's first
    // thread's.
    struct wthread *t[5];
    int n = 2 + (int)below(4);
    for (int i = 0; i < n; i++) {
        if ((t[i] = wt_free(i)) == NULL) {
            n = i;
        }
    }
    if (n < 2) {
        return;
    }
    for (int i = 0; i < n; i++) {
        wt_plan(t[i], (int)below(4), true, false);
        background(t[i]);
        t[i]->status = gen_status();
    }
    int d = (int)below((uint64_t)n);  // the thread that decides
    int expected = EXIT_STATUS_KILLED;
    enum bad_start how = BS_NONE;
    char what[120];
    snprintf(what, sizeof what, "%s (%d threads)", child_notes[kind], n);
    switch (kind) {
    case TC_EXIT:
        d = 1 + (int)below((uint64_t)n - 1);
        t[d]->end = WT_EXIT;
        expected = (int)(t[d]->status & 0xff);
        break;
    case TC_LAST:
        t[0]->end = WT_RETURN;
        for (int i = 1; i < n; i++) {
            t[i]->end = WT_JOIN;
            t[i]->arg = (int)(t[i - 1] - wthreads);
        }
        expected = (int)(t[n - 1]->status & 0xff);
        break;
    case TC_KILL:
        break;
    case TC_FAULT:
        t[d]->end = WT_FAULT;
        t[d]->arg = (int)below(FAULT_KINDS);
        if (d > 0) {
            // Not a recursion on a small stack in the middle of the records.
            t[d]->arg = t[d]->arg == FAULT_RECURSION ? 0 : t[d]->arg;
            how = chance(50) ? (enum bad_start)below(BS_KINDS) : BS_NONE;
        }
        snprintf(what, sizeof what, "%s (%d threads): thread %d, %s", child_notes[kind], n, d,
                 how != BS_NONE ? "at its start" : fault_names[t[d]->arg]);
        break;
    case TC_FORK:
        t[d]->end = WT_FORK;
        background(t[(d + 1) % n]);
        t[(d + 1) % n]->end = WT_SPIN;
        expected = 0;
        break;
    default: {
        static const char *const argv0 = "sysfuzz";
        static const char *const letters = "threads";
        t[d]->end = WT_EXEC;
        uint64_t which = below(3);
        t[d]->exec_path = which == 0 ? "sysfuzz" : which == 1 ? "notelf.txt" : "nonexistent";
        t[d]->exec_argv[0] = (char *)argv0;
        t[d]->exec_argv[1] = (char *)letters;
        t[d]->exec_argv[2] = NULL;
        expected = which == 0   ? ST_USAGE
                   : which == 1 ? ST_EXEC_ERROR_BASE + -ERR_NOEXEC
                                : ST_EXEC_ERROR_BASE + -ERR_NOENT;
        break;
    }
    }
    int pid = fork_checked(what);
    if (pid == 0) {
        run_threaded_child(t, n, d, how);
    }
    if (pid < 0) {
        return;
    }
    rep.thread_children++;
    rep.child_threads += (uint64_t)n - 1;
    if (kind == TC_EXEC) {
        count_child_call(SYS_EXEC);
    }
    if (kind == TC_KILL) {
        if (chance(70)) {
            osv_syscall(SYS_SLEEP, below(3), 0, 0, 0, 0, 0);
        }
        struct call k = {.nr = SYS_KILL, .a = {(uint64_t)pid}, .note = what};
        verify(&k, issue(&k), ex_or(ex_val(0), ERR_SRCH));
    }
    int status = reap(pid, expected, ST_NO_ROOM, what);
    rep.killed += kind == TC_KILL && status == EXIT_STATUS_KILLED;
    rep.faulted += kind == TC_FAULT && status == EXIT_STATUS_KILLED;
}
