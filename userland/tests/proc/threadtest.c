// threadtest: threads of one process (thread_create, thread_join,
// thread_exit, gettid), and how they end with their process.
//
// Usage: threadtest CPUS, the number of CPUs the machine runs.
//
// Correctness criteria:
//  1. A thread runs fn(arg) in the process's memory: what it writes, the
//     creator reads after thread_join, which returns the tid and fn's
//     return value as the status. Threads share the pid and each has its
//     own tid.
//  2. Memory is really shared, at once: THREADS threads each add ROUNDS to
//     one counter with atomic adds, and the sum is THREADS * ROUNDS. With
//     CPUS > 1 they ran on more than one CPU (getcpu).
//  3. Joins: of the caller itself, of a tid that is no thread of ours, and
//     a second join of the same thread are ERR_SRCH.
//  4. thread_start refuses an entry or stack outside the user half
//     (ERR_FAULT: a non-canonical or kernel address), and thread_create a
//     stack under THREAD_STACK_MIN (ERR_INVAL); the kernel goes on.
//  5. A process has at most THREADS_MAX threads, counting ended ones
//     not yet joined: one more is ERR_NOSPACE; a join makes room again.
//  6. exit() in any thread ends the process, whatever its other threads do
//     (spin, sleep in a pipe read): the parent sees exit's status.
//  7. When the last thread ends with thread_exit, the process ends with
//     that thread's status.
//  8. kill() ends a process of several threads: the parent sees
//     EXIT_STATUS_KILLED.
//  9. fork in a process of several threads copies only the caller: in the
//     child, a counter that a sibling thread keeps raising in the parent
//     stays still.
// 10. exec in a process of several threads ends the others first, and the
//     new program runs alone (true exits 0).
// 11. A thread that faults ends its whole process (EXIT_STATUS_KILLED).
// 12. Nothing leaks: free pages and process slots are back to where they
//     were before criteria 6-11, so every thread's kernel stack was freed.
//
// Expected output: "threadtest: PASS".

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define THREADS    8
#define ROUNDS     20000
#define STACK_SIZE 8192

static char stacks[THREADS_MAX][STACK_SIZE] __attribute__((aligned(16)));
static volatile long counter;
static volatile unsigned cpus_seen;
static volatile int written;
static int scratch[THREADS_MAX][2];

static int write_and_return(void *arg)
{
    written = *(int *)arg;
    return 42;
}

static int my_tid_and_pid(void *arg)
{
    int *ids = arg;
    ids[0] = gettid();
    ids[1] = getpid();
    return 0;
}

static int add_rounds(void *unused)
{
    (void)unused;
    for (int i = 0; i < ROUNDS; i++) {
        __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
        __atomic_fetch_or(&cpus_seen, 1u << getcpu(), __ATOMIC_RELAXED);
    }
    return 0;
}

static int spin_forever(void *unused)
{
    (void)unused;
    for (;;) {
        __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    }
}

static int read_forever(void *fd)
{
    char c;
    read(*(int *)fd, &c, 1);  // nobody ever writes
    return 1;
}

static int wait_then_exit_5(void *unused)
{
    (void)unused;
    sleep(5);
    return 5;
}

static void never_run(void *unused)
{
    (void)unused;
}

static int fault(void *unused)
{
    (void)unused;
    *(volatile int *)8 = 1;
    return 0;
}

// Forks a child that runs body() and exits with its result; returns the
// child's exit status as wait reports it.
static int status_of_child(int (*body)(void))
{
    int pid = fork();
    if (pid == 0) {
        exit(body());
    }
    int status = 0;
    check_result(wait(pid, &status), pid, "wait for the child");
    return status;
}

// Criterion 6: one thread exits while others spin and read.
static int exit_while_others_run(void)
{
    int fds[2];
    pipe(fds);
    thread_create(spin_forever, NULL, stacks[1], STACK_SIZE);
    thread_create(read_forever, &fds[0], stacks[2], STACK_SIZE);
    sleep(2);
    exit(7);
}

// Criterion 7: the first thread ends, the last one's status stands.
static int last_thread_decides(void)
{
    thread_create(wait_then_exit_5, NULL, stacks[1], STACK_SIZE);
    thread_exit(0);
}

// Criterion 8: spinners, waiting to be killed by the parent.
static int spin_until_killed(void)
{
    thread_create(spin_forever, NULL, stacks[1], STACK_SIZE);
    thread_create(spin_forever, NULL, stacks[2], STACK_SIZE);
    spin_forever(NULL);
    return 0;
}

// Criterion 9: fork beside a spinning sibling.
static int fork_beside_a_spinner(void)
{
    thread_create(spin_forever, NULL, stacks[1], STACK_SIZE);
    while (counter == 0) {
    }
    int pid = fork();
    if (pid == 0) {
        long before = counter;
        sleep(3);
        exit(counter == before ? 0 : 1);
    }
    int status = -2;
    wait(pid, &status);
    return status;  // the process ends with it: exit() ends the spinner
}

// Criterion 10: exec beside a spinning sibling.
static int exec_beside_a_spinner(void)
{
    thread_create(spin_forever, NULL, stacks[1], STACK_SIZE);
    char *argv[] = {"true", NULL};
    exec("true", argv);
    return 99;  // exec failed
}

// Criterion 11: a thread faults while the first one sleeps.
static int thread_faults(void)
{
    thread_create(fault, NULL, stacks[1], STACK_SIZE);
    sleep(100);
    return 0;
}

int main(int argc, char **argv)
{
    check_init("threadtest");
    int cpus = argc > 1 ? atoi(argv[1]) : 0;
    if (cpus < 1 || cpus > 8) {
        printf("usage: threadtest CPUS (1..8)\n");
        return 2;
    }

    // 1.
    int value = 1234;
    int tid = thread_create(write_and_return, &value, stacks[0], STACK_SIZE);
    check(tid > 0 && tid != gettid(), "thread_create returned a new tid: %d", tid);
    int status = -1;
    check_result(thread_join(tid, &status), tid, "thread_join");
    check(written == 1234 && status == 42, "the thread wrote %d and returned %d", written, status);
    int ids[2] = {0, 0};
    tid = thread_create(my_tid_and_pid, ids, stacks[0], STACK_SIZE);
    check_result(thread_join(tid, NULL), tid, "thread_join without a status");
    check(ids[0] == tid && ids[1] == getpid(), "the thread's gettid() %d and getpid() %d", ids[0],
          ids[1]);

    // 2.
    int tids[THREADS];
    for (int i = 0; i < THREADS; i++) {
        tids[i] = thread_create(add_rounds, NULL, stacks[i], STACK_SIZE);
        check(tids[i] > 0, "thread_create of adder %d: %d", i, tids[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        check_result(thread_join(tids[i], NULL), tids[i], "join of adder %d", i);
    }
    check(counter == (long)THREADS * ROUNDS, "the shared counter is %ld", counter);
    check(cpus == 1 || (cpus_seen & (cpus_seen - 1)) != 0,
          "with %d CPUs the adders ran on more than one (seen 0x%x)", cpus, cpus_seen);

    // 3.
    check_result(thread_join(gettid(), NULL), ERR_SRCH, "join of the caller");
    check_result(thread_join(999999, NULL), ERR_SRCH, "join of no thread");
    check_result(thread_join(tids[0], NULL), ERR_SRCH, "a second join");

    // 4.
    check_result(
        thread_start((void (*)(void *))0xffffffff80100000ull, stacks[0] + STACK_SIZE, NULL),
        ERR_FAULT, "an entry in the kernel half");
    check_result(
        thread_start((void (*)(void *))0x0000900000000000ull, stacks[0] + STACK_SIZE, NULL),
        ERR_FAULT, "a non-canonical entry");
    check_result(thread_start(never_run, (void *)0xffff800000000000ull, NULL), ERR_FAULT,
                 "a stack in the kernel half");
    check_result(thread_create(write_and_return, &value, stacks[0], THREAD_STACK_MIN - 1),
                 ERR_INVAL, "a stack too small");

    // 5.
    int made = 0;
    int made_tids[THREADS_MAX - 1];
    for (int i = 0; i < THREADS_MAX - 1; i++) {
        made_tids[i] = thread_create(my_tid_and_pid, scratch[i], stacks[i], STACK_SIZE);
        made += made_tids[i] > 0;
    }
    check(made == THREADS_MAX - 1, "made %d threads besides the first", made);
    check_result(thread_create(my_tid_and_pid, ids, stacks[THREADS_MAX - 1], STACK_SIZE),
                 ERR_NOSPACE, "one thread too many (the others ended, not joined)");
    int last = made_tids[THREADS_MAX - 2];
    check_result(thread_join(last, NULL), last, "join of the last one made");
    // On the one stack that no thread may still be using: the refused one's.
    tid = thread_create(my_tid_and_pid, ids, stacks[THREADS_MAX - 1], STACK_SIZE);
    check(tid > 0, "after a join there is room again: %d", tid);

    // 6-11, each in a child; then 12.
    // Every thread of criterion 5 joined first: a join returns once the
    // thread's kernel stack is freed, so the count below is exact. (Some of
    // them may not even have run yet: on a busy host a CPU kicked to run a
    // new thread can take tens of milliseconds to wake.)
    for (int i = 0; i < THREADS_MAX - 2; i++) {
        check_result(thread_join(made_tids[i], NULL), made_tids[i], "join of thread %d", i);
    }
    check_result(thread_join(tid, NULL), tid, "join of the one made after a join");
    struct osv_sysinfo before;
    sysinfo(&before);
    check_result(status_of_child(exit_while_others_run), 7, "exit beside a spinner and a reader");
    check_result(status_of_child(last_thread_decides), 5, "the last thread's status");
    int pid = fork();
    if (pid == 0) {
        exit(spin_until_killed());
    }
    sleep(3);
    check_result(kill(pid), 0, "kill of three spinning threads");
    status = 0;
    check_result(wait(pid, &status), pid, "wait for them");
    check_result(status, EXIT_STATUS_KILLED, "the killed process's status");
    check_result(status_of_child(fork_beside_a_spinner), 0,
                 "the fork child's counter stood still (no spinner copied)");
    check_result(status_of_child(exec_beside_a_spinner), 0, "exec beside a spinner ran true");
    check_result(status_of_child(thread_faults), EXIT_STATUS_KILLED, "a faulting thread");
    struct osv_sysinfo after;
    sysinfo(&after);
    check(after.free_pages == before.free_pages && after.processes == before.processes,
          "free pages %lu -> %lu, processes %lu -> %lu", (unsigned long)before.free_pages,
          (unsigned long)after.free_pages, (unsigned long)before.processes,
          (unsigned long)after.processes);
    return check_finish();
}
