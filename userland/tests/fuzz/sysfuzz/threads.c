// Threads' records, their scripts and the code they run (threads.h).

#include "userland/tests/fuzz/sysfuzz/threads.h"

#include <osv.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"
#include "userland/tests/fuzz/sysfuzz/children.h"
#include "userland/tests/fuzz/sysfuzz/faults.h"
#include "userland/tests/fuzz/sysfuzz/gen.h"
#include "userland/tests/fuzz/sysfuzz/memory.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"

struct wthread wthreads[WT_POOL];
int wt_pid;
int wt_go;
int fuzzer_tid;
int wt_my_tid;
int wt_last_tid;
int64_t wt_regions;
int wt_joined[WT_JOINED_MAX];
int wt_num_joined;
int wt_lost;

// ---- The code threads run. Only osv_syscall, the thread's own record,
// and the words threads.h names.

#define SC0(nr)    osv_syscall((nr), 0, 0, 0, 0, 0, 0)
#define SC1(nr, a) osv_syscall((nr), (uint64_t)(a), 0, 0, 0, 0, 0)

// Writes the buffer and reads it back: a write that went elsewhere (a
// stale translation on another CPU, a frame copied under us) shows.
static void buffer_round_trip(struct wthread *t, uint64_t key)
{
    volatile uint64_t *b = t->buf;
    for (int i = 0; i < WT_BUF; i++) {
        b[i] = key + (uint64_t)i;
    }
    for (int i = 0; i < WT_BUF; i++) {
        t->bad += b[i] != key + (uint64_t)i;
    }
}

static void run_steps(struct wthread *t)
{
    for (int i = 0; i < t->nsteps; i++) {
        struct wt_step *s = &t->steps[i];
        buffer_round_trip(t, (uint64_t)t->seen_tid << 32 | (uint64_t)i << 16);
        uint64_t a0 = s->dyn == WT_SELF ? (uint64_t)t->seen_tid : s->a[0];
        s->got = osv_syscall(s->nr, a0, s->a[1], s->a[2], s->a[3], s->a[4], s->a[5]);
    }
}

// Busy until stop is set (never, when forever): writes and reads back one
// word after another, publishes its count, and every 4096 iterations asks
// getcpu, looks at stop and, unless hot, sleeps a tick.
static void busy(struct wthread *t, bool forever)
{
    volatile uint64_t *b = t->buf;
    for (uint64_t i = 1;; i++) {
        b[i % WT_BUF] = i;
        t->bad += b[i % WT_BUF] != i;
        __atomic_store_n(&t->spins, i, __ATOMIC_RELAXED);
        if (i % 4096 != 0) {
            continue;
        }
        int64_t cpu = SC0(SYS_GETCPU);
        t->busy_cpus++;
        if (cpu >= 0 && cpu < WT_CPUS_MAX) {
            t->cpus |= 1u << cpu;
        } else {
            t->bad++;
        }
        if (!forever && __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
            return;
        }
        if (!t->hot) {
            t->busy_sleeps++;
            t->bad += SC1(SYS_SLEEP, 1) != 0;
        }
    }
}

static void wait_for_go(void)
{
    while (!__atomic_load_n(&wt_go, __ATOMIC_ACQUIRE)) {
        SC1(SYS_SLEEP, 1);
    }
}

static bool step_ok(const struct wthread *t, const struct wt_step *s)
{
    struct expect want = s->want;
    if (s->dyn == WT_OWN_TID) {
        want = ex_val(t->seen_tid);
    } else if (s->dyn == WT_PID) {
        want = ex_val(wt_pid);
    }
    return ex_allows(want, s->got);
}

bool wt_steps_ok(const struct wthread *t)
{
    bool ok = t->bad == 0 && t->seen_tid > 0;
    for (int i = 0; i < t->nsteps; i++) {
        ok = ok && step_ok(t, &t->steps[i]);
    }
    return ok;
}

// The status a child's deciding thread ends with: its own, unless a result
// was wrong.
static uint64_t checked_status(const struct wthread *t, bool ok)
{
    return ok && (!t->self_check || wt_steps_ok(t)) ? t->status : ST_CHILD_BAD;
}

// In a child: a fork beside the spinning records. The new process has only
// the calling thread: the spinners' tids name no thread of it, and their
// counters, in its own copy of memory, stand still while they spin on in
// the parent.
static _Noreturn void fork_beside_spinners(struct wthread *t)
{
    for (int i = 0; i < WT_POOL; i++) {
        struct wthread *s = &wthreads[i];
        for (int waited = 0;
             s->end == WT_SPIN && s->tid > 0 && __atomic_load_n(&s->spins, __ATOMIC_RELAXED) == 0;
             waited++) {
            if (waited == 500) {
                SC1(SYS_EXIT, ST_CHILD_BAD);  // a spinner that never ran
            }
            SC1(SYS_SLEEP, 1);
        }
    }
    int64_t pid = SC0(SYS_FORK);
    if (pid == 0) {
        uint64_t before[WT_POOL];
        bool ok = SC0(SYS_GETTID) != t->seen_tid;
        for (int i = 0; i < WT_POOL; i++) {
            before[i] = __atomic_load_n(&wthreads[i].spins, __ATOMIC_RELAXED);
            if (wthreads[i].end == WT_SPIN && wthreads[i].tid > 0) {
                ok = ok && SC1(SYS_THREAD_JOIN, wthreads[i].tid) == ERR_SRCH;
            }
        }
        SC1(SYS_SLEEP, 2);
        for (int i = 0; i < WT_POOL; i++) {
            ok = ok && __atomic_load_n(&wthreads[i].spins, __ATOMIC_RELAXED) == before[i];
        }
        SC1(SYS_EXIT, ok ? 0 : ST_CHILD_BAD);
    }
    if (pid < 0) {
        SC1(SYS_EXIT, pid == ERR_NOMEM || pid == ERR_NOSPACE ? ST_NO_ROOM : ST_CHILD_BAD);
    }
    int status = -1;
    bool ok = osv_syscall(SYS_WAIT, (uint64_t)pid, (uint64_t)(uintptr_t)&status, 0, 0, 0, 0) == pid;
    SC1(SYS_EXIT, ok && (!t->self_check || wt_steps_ok(t)) ? (uint64_t)status : ST_CHILD_BAD);
    for (;;) {
    }
}

_Noreturn void wt_run(struct wthread *t)
{
    t->seen_tid = (int)SC0(SYS_GETTID);
    run_steps(t);
    switch (t->end) {
    case WT_RETURN:
        break;
    case WT_BUSY:
        busy(t, false);
        break;
    case WT_EXIT:
        SC1(SYS_EXIT, checked_status(t, true));
        break;
    case WT_SPIN:
        busy(t, true);
        break;
    case WT_SLEEP:
        for (;;) {
            SC1(SYS_SLEEP, 1000);
        }
    case WT_READ:
        for (;;) {
            osv_syscall(SYS_READ, (uint64_t)t->arg, (uint64_t)(uintptr_t)t->buf, 1, 0, 0, 0);
        }
    case WT_FAULT:
        fault_now(t->arg);
    case WT_JOIN: {
        wait_for_go();
        const struct wthread *peer = &wthreads[t->arg];
        int status = -1;
        int64_t got = osv_syscall(SYS_THREAD_JOIN, (uint64_t)peer->tid,
                                  (uint64_t)(uintptr_t)&status, 0, 0, 0, 0);
        SC1(SYS_THREAD_EXIT,
            checked_status(t, got == peer->tid && status == (int)(peer->status & 0xff)));
        break;
    }
    case WT_FORK:
        wait_for_go();
        fork_beside_spinners(t);
    case WT_EXEC: {
        wait_for_go();
        int64_t err = osv_syscall(SYS_EXEC, (uint64_t)(uintptr_t)t->exec_path,
                                  (uint64_t)(uintptr_t)t->exec_argv, 0, 0, 0, 0);
        SC1(SYS_EXIT, err == ERR_NOMEM ? ST_NO_ROOM
                      : err < 0        ? (uint64_t)(ST_EXEC_ERROR_BASE + -err)
                                       : ST_EXEC_RETURNED);
        break;
    }
    }
    SC1(SYS_THREAD_EXIT, checked_status(t, true));
    for (;;) {
    }
}

void wt_entry(void *rec)
{
    wt_run(rec);
}

// ---- The worker's side.

uint64_t wt_stack_top(struct wthread *t)
{
    return (uint64_t)(uintptr_t)(t->stack + WT_STACK) - 8;
}

struct wthread *wt_free(int skip)
{
    for (int i = 0; i < WT_POOL; i++) {
        if (wthreads[i].tid == 0 && skip-- == 0) {
            return &wthreads[i];
        }
    }
    return NULL;
}

int wt_used(void)
{
    int n = 0;
    for (int i = 0; i < WT_POOL; i++) {
        n += wthreads[i].tid != 0;
    }
    return n;
}

void wt_round_start(void)
{
    memset(wthreads, 0, sizeof wthreads);
    wt_num_joined = 0;
    wt_lost = 0;
    struct call c = {.nr = SYS_GETTID, .a = {junk(), junk(), junk(), junk(), junk(), junk()}};
    wt_my_tid = (int)issue(&c);
    verify(&c, wt_my_tid, ex_range(1, INT32_MAX));
    wt_last_tid = wt_my_tid;
    struct call v = {.nr = SYS_VMMAP, .a = {0, 0, 0, 0, junk(), junk()}, .note = "regions"};
    wt_regions = issue(&v);
    verify(&v, wt_regions, ex_or(ex_range(1, 64), ERR_NOMEM));
}

// A value that is never a descriptor, whatever the worker has open.
static uint64_t never_fd(void)
{
    static const uint64_t odd[] = {FD_MAX,     FD_MAX + 1, 100,       0x7fffffff,
                                   0x80000000, 0xffffffff, UINT64_MAX};
    return chance(30) ? ((1 + below(0xffff)) << 32) | below(FD_MAX)
                      : odd[below(sizeof odd / sizeof odd[0])];
}

// A tid that names no thread the caller could join without harm: 0,
// negative, beyond 32 bits (the low half maybe a live thread's), not
// handed out yet, the fuzzer's, one joined already, or the caller itself.
static void bad_tid(struct wt_step *s, bool in_child)
{
    s->dyn = WT_FIXED;
    switch (below(7)) {
    case 0:
        s->dyn = WT_SELF;
        break;
    case 1: {
        static const int64_t odd[] = {0, -1, INT32_MIN, -2};
        s->a[0] = (uint64_t)odd[below(4)];
        break;
    }
    case 2:
        s->a[0] = ((1 + below(0xffffffff)) << 32) | (uint32_t)(wt_last_tid - (int)below(3));
        break;
    case 3:
        s->a[0] = (uint64_t)(INT32_MAX - (int64_t)below(1000));
        break;
    case 4:
        s->a[0] = (uint64_t)fuzzer_tid;
        break;
    case 5:
        if (wt_num_joined > 0) {
            s->a[0] = (uint64_t)
                wt_joined[below(wt_num_joined < WT_JOINED_MAX ? wt_num_joined : WT_JOINED_MAX)];
            break;
        }
        s->dyn = WT_SELF;
        break;
    default:
        // The worker's first thread: in a child, a thread of another
        // process. (In the worker it is a thread to join, which ends only
        // with the process: its negation instead.)
        s->a[0] = in_child ? (uint64_t)wt_my_tid : (uint64_t)(-(int64_t)wt_my_tid);
        break;
    }
    s->want = ex_err(ERR_SRCH);
}

static void gen_step(struct wthread *t, struct wt_step *s, bool in_child, bool worker_waits)
{
    *s = (struct wt_step){
        .a = {junk(), junk(), junk(), junk(), junk(), junk()}, .want = ex_val(0), .dyn = WT_FIXED};
    uint64_t own_buf = (uint64_t)(uintptr_t)t->buf;
    switch (below(16)) {
    case 0:
        s->nr = SYS_GETPID;
        s->dyn = in_child ? WT_PID : WT_FIXED;
        s->want = ex_val(my_pid);
        break;
    case 1:
        s->nr = SYS_GETPPID;
        s->want = ex_val(in_child ? my_pid : my_parent);
        break;
    case 2:
        s->nr = SYS_GETTID;
        s->dyn = WT_OWN_TID;
        break;
    case 3:
        s->nr = SYS_GETCPU;
        s->want = ex_range(0, WT_CPUS_MAX - 1);
        break;
    case 4:
        s->nr = SYS_TICKS;
        s->want = ex_range(0, INT64_MAX);
        break;
    case 5:
        s->nr = SYS_SLEEP;
        s->a[0] = below(3);
        break;
    case 6: {
        static const uint64_t nosys[] = {0,
                                         SYS_COUNT,
                                         0xffffffff,
                                         (1ull << 32) + SYS_GETTID,
                                         (1ull << 32) + SYS_THREAD_EXIT,
                                         (uint64_t)-1};
        s->nr = chance(50) ? nosys[below(sizeof nosys / sizeof nosys[0])] : SYS_COUNT + below(500);
        s->want = ex_err(ERR_NOSYS);
        break;
    }
    case 7:
        s->nr = SYS_SYSINFO;
        s->a[0] = own_buf;
        break;
    case 8: {
        const uint64_t bad[] = {0,
                                KERNEL_HALF + below(1 << 20),
                                KERNEL_TEXT,
                                NONCANONICAL + below(1 << 20),
                                (uint64_t)(uintptr_t)&text_target,
                                (uint64_t)(uintptr_t)rodata_block,
                                STACK_LO - 8 - below(PAGE_SIZE),
                                USTACK_UPPERBOUND + below(PAGE_SIZE / 2)};
        s->nr = SYS_SYSINFO;
        s->a[0] = bad[below(sizeof bad / sizeof bad[0])];
        s->want = ex_err(ERR_FAULT);
        break;
    }
    case 9:
        s->nr = SYS_SHUTDOWN;
        s->a[0] = rnd();
        s->want = ex_err(ERR_PERM);
        break;
    case 10:
        s->nr = SYS_KILL;
        s->a[0] = chance(20) ? 1 : absent_pid();
        s->want = ex_err(s->a[0] == 1 ? ERR_PERM : ERR_SRCH);
        break;
    case 11:
        s->nr = SYS_WAIT;
        s->a[0] = absent_pid();
        if (s->a[0] == (uint64_t)-1) {
            s->a[0] = 0;  // -1 is any child
        }
        s->a[1] = chance(50) ? 0 : own_buf;
        s->want = ex_err(ERR_NOCHILD);
        break;
    case 12:
        s->nr = SYS_THREAD_JOIN;
        s->a[1] = chance(50) ? 0 : own_buf;
        bad_tid(s, in_child);
        break;
    case 13:
        s->nr = SYS_VMMAP;
        s->a[0] = 0;
        s->a[2] = 0;
        s->a[3] = 0;
        if (chance(25)) {
            s->a[1] = 2 + below(1000);
            s->want = ex_err(ERR_INVAL);
        } else {
            // Regions only: as many as the worker counted; with the pages
            // too, at least as many (other threads' pages come and go).
            s->a[1] = below(2);
            s->want = ex_or(wt_regions < 0 ? ex_range(1, 64)
                            : s->a[1] == 0 ? ex_val(wt_regions)
                                           : ex_range(wt_regions, INT32_MAX),
                            ERR_NOMEM);
        }
        break;
    case 14: {
        static const uint64_t on_fds[] = {SYS_CLOSE, SYS_FSTAT, SYS_READ, SYS_WRITE, SYS_DUP};
        s->nr = on_fds[below(sizeof on_fds / sizeof on_fds[0])];
        s->a[0] = never_fd();
        s->a[1] = own_buf;
        s->a[2] = below(64);
        s->want = ex_err(ERR_BADF);
        break;
    }
    default:
        if (worker_waits && !in_child) {
            s->nr = SYS_SBRK;
            s->a[0] = 0;
            s->want = ex_val((int64_t)brk_now);
        } else {
            s->nr = SYS_GETPPID;
            s->want = ex_val(in_child ? my_pid : my_parent);
        }
        break;
    }
}

void wt_plan(struct wthread *t, int n, bool in_child, bool worker_waits)
{
    memset(t, 0, offsetof(struct wthread, stack));
    t->self_check = in_child;
    t->nsteps = n;
    for (int i = 0; i < n; i++) {
        gen_step(t, &t->steps[i], in_child, worker_waits);
    }
}

void wt_check(struct wthread *t, const int *status)
{
    char note[64];
    snprintf(note, sizeof note, "thread %d, started at op %d", t->tid, t->op);
    expect_true(t->seen_tid == t->tid, "a thread's gettid is the tid thread_start returned",
                (uint64_t)(uint32_t)t->seen_tid);
    count_thread_calls(SYS_GETTID, t->seen_tid, 1);
    for (int i = 0; i < t->nsteps; i++) {
        const struct wt_step *s = &t->steps[i];
        struct call c = {.nr = s->nr, .note = note};
        memcpy(c.a, s->a, sizeof c.a);
        if (s->dyn == WT_SELF) {
            c.a[0] = (uint64_t)t->tid;
        }
        count_thread_calls(s->nr, s->got, 1);
        verify(&c, s->got, s->dyn == WT_OWN_TID ? ex_val(t->tid) : s->want);
    }
    expect_true(t->bad == 0, "a thread's buffer reads back what it wrote, getcpu in range",
                (uint64_t)t->bad);
    count_thread_calls(SYS_GETCPU, 0, t->busy_cpus);
    count_thread_calls(SYS_SLEEP, 0, t->busy_sleeps);
    rep.thread_cpus |= t->cpus;
    count_child_call(SYS_THREAD_EXIT);
    if (status != NULL) {
        int want = (int)(t->status & 0xff);
        expect_status(*status, want, want, note);
    }
    if (wt_num_joined < INT32_MAX) {
        wt_joined[wt_num_joined++ % WT_JOINED_MAX] = t->tid;
    }
    rep.threads_joined++;
    t->tid = 0;
}

void wt_join(struct wthread *t, bool any_pointer)
{
    if (t->end == WT_BUSY) {
        __atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
    }
    int status = -12345;
    struct uptr sp = chance(40)                   ? at(0, "NULL")
                     : !any_pointer || chance(75) ? at((uint64_t)(uintptr_t)&status, "stack")
                                                  : gen_ptr(sizeof status);
    struct call c = {.nr = SYS_THREAD_JOIN,
                     .a = {(uint64_t)t->tid, sp.addr, junk(), junk(), junk(), junk()},
                     .note = sp.kind};
    // A status that cannot be stored: the thread is joined all the same.
    bool bad = sp.addr != 0 && sp.wr < sizeof status;
    int64_t got = issue(&c);
    verify(&c, got, bad ? ex_err(ERR_FAULT) : ex_val(t->tid));
    if (got == t->tid && sp.addr != 0) {
        memcpy(&status, (const void *)(uintptr_t)sp.addr, sizeof status);
        wt_check(t, &status);
    } else if (got == t->tid || got == ERR_FAULT) {
        wt_check(t, NULL);
    } else {
        t->tid = -1;
        wt_lost++;
    }
}

void wt_join_all(void)
{
    for (int i = 0; i < WT_POOL; i++) {
        if (wthreads[i].tid > 0) {
            wt_join(&wthreads[i], false);
        }
    }
}
