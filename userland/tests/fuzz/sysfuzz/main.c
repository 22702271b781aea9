// sysfuzz: a seeded system call fuzzer.
//
//   sysfuzz SEED ROUNDS [FIRST [trace]]
//
// SEED is a 64-bit number (decimal, or hex with 0x), ROUNDS how many rounds
// to run (1..1000000000), FIRST the number of the first round (default 0),
// so that one round of a long run can be replayed alone: round R of seed S
// always makes the same calls ("sysfuzz S 1 R"); "trace" prints each of
// them with its result. Anything else prints a usage line and exits 2.
//
// Each round forks a worker, which makes a few dozen system calls with random
// and edge-case arguments and predicts each result from a model of its own
// state (its descriptors, its pipes' contents, its break, its memory map, its
// children). The worker is the one that takes every risk; calls that would
// end it or could block it run in children of its own. The fuzzer itself
// only forks workers, waits for them (with a watchdog) and checks the
// kernel between rounds.
//
// Correctness criteria:
//  1. No call, whatever its arguments, panics or hangs the kernel, or ends a
//     process other than the one it is meant to: the run finishes, and every
//     worker ends by itself within WATCHDOG_TICKS.
//  2. Every result is the one the ABI gives for those arguments (kernel/
//     syscall_abi.h, kernel/fs/sys_file.h, <unistd.h>, <osv.h>): unknown numbers
//     ERR_NOSYS; bad descriptors ERR_BADF, including 64-bit values whose low
//     half is an open descriptor; bad pointers (NULL, kernel, non-canonical,
//     unmapped, the stack guard, ranges that run off mapped memory, text and
//     rodata for output) ERR_FAULT, with nothing done; counts, descriptors
//     and pids exactly as the model predicts; pids beyond 32 bits never
//     name a process; shutdown from anyone but init ERR_PERM. A mismatch is
//     printed with the round, the call and its arguments.
//  3. Children that fault on purpose (kernel, non-canonical and NULL
//     addresses, writes to text and rodata, executing data, stack overflow,
//     ud2, division by zero, privileged instructions, a kernel-address
//     stack, ...) end with EXIT_STATUS_KILLED, and only they do.
//  4. Blocking calls (pipe and console reads, pipe writes, long sleeps) run
//     in children that kill() ends at once, as it ends children busy
//     forking, exec'ing or making pipes; a pipe read with no writer
//     returns 0. A
//     child blocked on a pipe wakes when the worker closes the other end
//     (end of file; a short count or ERR_PIPE), and a child's transfer of
//     up to three pipefuls arrives whole and in order.
//  5. Fork chains up to CHAIN_MAX deep, waited for level by level or
//     orphaned to init level by level, all run to the end.
//  6. After every round getpid answers, a pipe carries 16 bytes there and
//     back, and, once the round's processes are gone, the free page count
//     is exactly the baseline measured before the first round.
//  7. Threads (threads.h): the worker's own threads, beside it or waited
//     for, get the results predicted for their calls (their tid from
//     gettid, their process's ids, getcpu a CPU that can exist, ERR_FAULT,
//     ERR_BADF, ERR_SRCH, ERR_NOSYS as above), read back what they write,
//     and end with the status they gave thread_exit (its low 8 bits), which
//     thread_join returns with their tid. thread_start refuses an entry or
//     stack outside the user half (ERR_FAULT) and a thread past
//     THREADS_MAX, ended ones not joined counted (ERR_NOSPACE); thread_join
//     of the caller, of a tid joined already, of one beyond 32 bits, of
//     another process's is ERR_SRCH. A fork beside busy threads copies only
//     the caller: in the child their tids name nothing and their counters
//     stand still. A child of several threads ends with the status of
//     whatever ends it: exit in a thread not the first, the last thread's
//     thread_exit, kill while its threads spin, sleep or read a pipe, a
//     thread's fault (EXIT_STATUS_KILLED), a thread's exec (the new
//     program's status); a thread's fork beside spinners has a child that
//     runs alone.
//
// Output: the seed and baseline, progress lines, the summary (rounds,
// system calls, children, children faulted, threads and the CPUs they ran
// on), then "sysfuzz: PASS", or "sysfuzz: FAIL: ..." and exit status 1.
//
// The parts: the fuzzer's loop is here; the worker (worker.c) runs the
// operations (ops.h), which take their arguments from the generators
// (gen.h), predict with the models of memory (memory.h), descriptors
// (fds.h), children (children.h), threads (threads.h) and the initrd
// (initrd_files.h), and
// check with the oracle (oracle.h). Random numbers: rng.h; the command
// line: cmdline.h.

#include <osv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/fuzz/sysfuzz/calls.h"
#include "userland/tests/fuzz/sysfuzz/cmdline.h"
#include "userland/tests/fuzz/sysfuzz/initrd_files.h"
#include "userland/tests/fuzz/sysfuzz/memory.h"
#include "userland/tests/fuzz/sysfuzz/rng.h"
#include "userland/tests/fuzz/sysfuzz/threads.h"
#include "userland/tests/fuzz/sysfuzz/worker.h"

#define WATCHDOG_TICKS 3000  // a round longer than 30 s is a hang
#define SETTLE_TICKS   500   // orphans reaped by init may take a moment to go

// The fuzzer's own calls per round: pipe, fork, fork, wait, kill, wait,
// read and close for the worker; getpid, pipe, write, read, close, close
// and sysinfo for the checks.
#define PARENT_CALLS_PER_ROUND 15

static bool failed;

static void fail(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *format, ...)
{
    char line[256];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    printf("sysfuzz: FAIL: %s\n", line);
    failed = true;
}

// Reads a whole report from the pipe: a read may return less than asked
// (the kernel moves pipe data in chunks), so read until it is all there.
static bool read_report(int fd, struct report *r)
{
    size_t got = 0;
    while (got < sizeof *r) {
        int64_t n = read(fd, (char *)r + got, sizeof *r - got);
        if (n <= 0) {
            return false;
        }
        got += (size_t)n;
    }
    return true;
}

static uint64_t free_pages(void)
{
    struct osv_sysinfo info;
    if (sysinfo(&info) != 0) {
        fail("sysinfo");
        exit(1);
    }
    return info.free_pages;
}

// Makes every page we will touch present now, so that none appears later
// and looks like a leak: a deep stack, and all of data and bss.
__attribute__((noinline)) static void touch_memory(void)
{
    volatile char deep[24 * 1024];
    for (size_t i = 0; i < sizeof deep; i += 512) {
        deep[i] = 0;
    }
    for (uint64_t a = data_start; a < data_end; a += PAGE_SIZE) {
        volatile char *c = (volatile char *)(uintptr_t)a;
        *c = *c;
    }
}

struct totals {
    uint64_t rounds, syscalls, children, faulted, killed, execs, chains, levels, mismatches;
    uint64_t threads, threads_joined, thread_children, child_threads;
    uint32_t thread_cpus;
    uint64_t settled;  // rounds whose orphans took a moment to go
    uint64_t by_call[SYS_COUNT + 1];
    uint64_t by_result[32];
};

static struct totals totals;

// The workers' calls by number and by result, on two lines.
static void print_histograms(void)
{
    char line[512];
    int n = snprintf(line, sizeof line, "sysfuzz: calls:");
    for (int i = 1; i <= SYS_COUNT && n < (int)sizeof line; i++) {
        n += snprintf(line + n, sizeof line - (size_t)n, " %s %lu", call_name((uint64_t)i),
                      (unsigned long)totals.by_call[i]);
    }
    printf("%s\n", line);
    n = snprintf(line, sizeof line, "sysfuzz: results: ok %lu", (unsigned long)totals.by_result[0]);
    for (int e = 1; e < 32 && n < (int)sizeof line; e++) {
        if (totals.by_result[e] > 0) {
            n += snprintf(line + n, sizeof line - (size_t)n, ", %s %lu",
                          e < 31 ? err_name((err_t)-e) : "other",
                          (unsigned long)totals.by_result[e]);
        }
    }
    printf("%s\n", line);
}

// The kernel still answers: getpid, and 16 bytes through a pipe and back.
static void check_alive(int self)
{
    if (getpid() != self) {
        fail("round %lu: getpid() is %d, not %d", (unsigned long)round_no, getpid(), self);
    }
    int fds[2];
    char out[16] = "0123456789abcdef", in[16] = {0};
    bool ok = pipe(fds) == 0;
    if (ok) {
        ok = write(fds[1], out, sizeof out) == sizeof out &&
             read(fds[0], in, sizeof in) == sizeof in && memcmp(in, out, sizeof in) == 0;
        close(fds[0]);
        close(fds[1]);
    }
    if (!ok) {
        fail("round %lu: a pipe round trip failed", (unsigned long)round_no);
    }
}

// One round: a worker and its watchdog. Returns false if it hung.
static bool run_round(void)
{
    int report[2];
    if (pipe(report) != 0) {
        fail("round %lu: pipe for the report", (unsigned long)round_no);
        return false;
    }
    rng_start_round(seed, round_no);
    int pid = fork();
    if (pid == 0) {
        close(report[0]);
        worker(report[1]);
    }
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        fail("round %lu: fork of the worker: %s", (unsigned long)round_no, err_name(pid));
        return false;
    }
    int dog = fork();
    if (dog == 0) {
        sleep(WATCHDOG_TICKS);
        _exit(0);
    }
    int status = 0;
    int first = wait(-1, &status);
    bool hung = first == dog;
    if (hung) {
        fail("round %lu of seed %lu hung: worker %d still running after %d ticks (replay: "
             "sysfuzz %lu 1 %lu)",
             (unsigned long)round_no, (unsigned long)seed, pid, WATCHDOG_TICKS, (unsigned long)seed,
             (unsigned long)round_no);
        kill(pid);
        wait(pid, &status);
    } else {
        kill(dog);
        int dog_status;
        wait(dog, &dog_status);
        struct report r = {0};
        if (first != pid || status != 0 || !read_report(report[0], &r)) {
            fail("round %lu of seed %lu: the worker (pid %d) ended with status %d without its "
                 "report (wait returned %d)",
                 (unsigned long)round_no, (unsigned long)seed, pid, status, first);
        }
        totals.syscalls += r.syscalls;
        totals.children += r.children;
        totals.faulted += r.faulted;
        totals.killed += r.killed;
        totals.execs += r.execs;
        totals.chains += r.chains;
        totals.levels += r.levels;
        totals.mismatches += r.mismatches;
        totals.threads += r.threads;
        totals.threads_joined += r.threads_joined;
        totals.thread_children += r.thread_children;
        totals.child_threads += r.child_threads;
        totals.thread_cpus |= r.thread_cpus;
        for (int i = 0; i <= SYS_COUNT; i++) {
            totals.by_call[i] += r.by_call[i];
        }
        for (size_t i = 0; i < sizeof totals.by_result / sizeof totals.by_result[0]; i++) {
            totals.by_result[i] += r.by_result[i];
        }
    }
    close(report[0]);
    totals.syscalls += PARENT_CALLS_PER_ROUND;
    return !hung;
}

int main(int argc, char **argv)
{
    heap_start = (uint64_t)osv_syscall(SYS_SBRK, 0, 0, 0, 0, 0, 0);
    struct args args;
    parse_args(argc, argv, &args);
    seed = args.seed;
    tracing = args.trace;
    uint64_t rounds = args.rounds, first = args.first;
    int self = getpid();
    fuzzer_tid = gettid();
    printf("sysfuzz: seed %lu, rounds %lu to %lu\n", (unsigned long)seed, (unsigned long)first,
           (unsigned long)(first + rounds - 1));

    int64_t err = shutdown(0);
    if (err != ERR_PERM || shutdown(1) != ERR_PERM) {
        fail("shutdown from pid %d returned %ld, not ERR_PERM", self, (long)err);
    } else {
        printf("sysfuzz: shutdown from pid %d: ERR_PERM\n", self);
    }
    read_layout();
    read_initrd();
    touch_memory();
    struct osv_sysinfo info;
    sysinfo(&info);
    uint64_t baseline = free_pages();
    printf("sysfuzz: %d initrd files; data 0x%lx-0x%lx; baseline %lu free pages of %lu\n",
           num_names, (unsigned long)data_start, (unsigned long)data_end, (unsigned long)baseline,
           (unsigned long)info.total_pages);

    uint64_t start_ticks = ticks();
    uint64_t every = rounds / 10 > 0 ? rounds / 10 : 1;
    for (uint64_t i = 0; i < rounds && !failed; i++) {
        round_no = first + i;
        bool ok = run_round();
        totals.rounds++;
        check_alive(self);
        uint64_t now = free_pages();
        for (int t = 0; ok && now != baseline && t < SETTLE_TICKS; t++) {
            sleep(1);  // orphans of this round may still be on their way out
            now = free_pages();
            totals.settled += t == 0;
        }
        if (ok && now != baseline) {
            fail("round %lu of seed %lu: %ld pages not back (baseline %lu, now %lu; replay: "
                 "sysfuzz %lu 1 %lu)",
                 (unsigned long)round_no, (unsigned long)seed, (long)(baseline - now),
                 (unsigned long)baseline, (unsigned long)now, (unsigned long)seed,
                 (unsigned long)round_no);
        }
        if (totals.mismatches > 0) {
            fail("round %lu of seed %lu: %lu results differ from the model (replay: sysfuzz %lu 1 "
                 "%lu)",
                 (unsigned long)round_no, (unsigned long)seed, (unsigned long)totals.mismatches,
                 (unsigned long)seed, (unsigned long)round_no);
        }
        if ((i + 1) % every == 0 || i + 1 == rounds || failed) {
            printf("sysfuzz: %lu rounds, %lu syscalls, %lu children, %lu faulted, free pages %lu, "
                   "%lu ticks\n",
                   (unsigned long)totals.rounds, (unsigned long)totals.syscalls,
                   (unsigned long)totals.children, (unsigned long)totals.faulted,
                   (unsigned long)now, (unsigned long)(ticks() - start_ticks));
        }
    }
    printf("sysfuzz: summary: %lu rounds, %lu syscalls, %lu children (%lu faulted as meant, %lu "
           "ended by kill, %lu exec'd), %lu fork chains (%lu levels), %lu mismatches, %lu rounds "
           "waited for orphans, %lu ticks\n",
           (unsigned long)totals.rounds, (unsigned long)totals.syscalls,
           (unsigned long)totals.children, (unsigned long)totals.faulted,
           (unsigned long)totals.killed, (unsigned long)totals.execs, (unsigned long)totals.chains,
           (unsigned long)totals.levels, (unsigned long)totals.mismatches,
           (unsigned long)totals.settled, (unsigned long)(ticks() - start_ticks));
    printf("sysfuzz: threads: %lu started by workers (%lu joined and checked), %lu children of "
           "several threads (%lu more threads), on %d CPUs\n",
           (unsigned long)totals.threads, (unsigned long)totals.threads_joined,
           (unsigned long)totals.thread_children, (unsigned long)totals.child_threads,
           __builtin_popcount(totals.thread_cpus));
    print_histograms();
    if (failed) {
        printf("sysfuzz: FAIL\n");
        return 1;
    }
    printf("sysfuzz: PASS\n");
    return 0;
}
