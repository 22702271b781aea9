// killrace: a process ends (exit in its first thread) just as another of
// its threads goes to sleep in a pipe read; sysfuzz found that on several
// CPUs the reader may sleep on for ever, so that the process never ends and
// its parent's wait never returns.
//
//   killrace ROUNDS
//
// Each round forks a child that makes a pipe (keeping both ends), starts a
// thread that reads it (nobody ever writes), spins a little (a different
// while each round, so that the end meets the reader at every point of its
// way into the read) and exits with status 7. exit ends the reader
// (kill_threads, sched_kill): the child must end with status 7 at once.
// A watchdog thread of the parent's sees the rounds go by; when one has
// not for WATCHDOG ticks it prints the round and ends the parent.
//
// What went wrong (under -smp 4, within a few thousand rounds; never on
// one CPU), until sched_sleep looked at the killed flag under sched_lock
// and stopped sleeping for a killed thread: pipe_read checks thread_killed() under the pipe's lock,
// then sleeps in condvar_wait -> sched_sleep, which takes sched_lock and sleeps without looking at
// the flag again; sched_kill, on another CPU, sets the flag and wakes the thread only if it is
// THREAD_SLEEPING already. A kill that lands between the check and the sleep is lost
// (kernel/fs/pipe.c, kernel/sched.c): the reader sleeps for ever, so the child never ends (a second
// kill() does not help: the child is ending already) and the parent's wait never returns. The same
// holds for kill() of a process from another one, and for pipe_write: sysfuzz's workers on 4 CPUs
// also hung waiting for a one-thread child they had killed as it blocked in a pipe read or write
// (op_read, op_write).
//
// Correctness criteria:
//  1. Every child ends with status 7 (2 if it had no memory for its pipe
//     or thread), within WATCHDOG ticks.
//  2. No child is left: free pages back at the start's count.
//
// Expected output: "killrace: PASS".

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define WATCHDOG   500  // ticks: 5 s, where a round takes a few milliseconds
#define STACK_SIZE 2048

static char stack[STACK_SIZE] __attribute__((aligned(16)));
static char dog_stack[STACK_SIZE] __attribute__((aligned(16)));
static int round_now, child_now;  // atomics: the parent's progress, for the watchdog

static int read_for_ever(void *fd)
{
    char c;
    read((int)(long)fd, &c, 1);
    return 1;
}

static _Noreturn void child(int round)
{
    int fds[2];
    if (pipe(fds) != 0 ||
        thread_create(read_for_ever, (void *)(long)fds[0], stack, STACK_SIZE) <= 0) {
        _exit(2);  // out of memory: not what this test is about
    }
    for (volatile int i = 0; i < (round * 37) % 4000; i++) {
    }
    _exit(7);
}

static int watch(void *unused)
{
    (void)unused;
    int seen = -1;
    for (int still = 0;; still++) {
        sleep(WATCHDOG / 10);
        int now = __atomic_load_n(&round_now, __ATOMIC_RELAXED);
        if (now != seen) {
            seen = now;
            still = 0;
        } else if (still == 10) {
            printf("killrace: FAIL: round %d: the child (pid %d) has not ended after %d ticks\n",
                   now, __atomic_load_n(&child_now, __ATOMIC_RELAXED), WATCHDOG);
            exit(1);
        }
    }
}

int main(int argc, char **argv)
{
    int rounds = argc == 2 ? atoi(argv[1]) : 0;
    if (rounds < 1) {
        printf("usage: killrace ROUNDS\n");
        return 2;
    }
    if (thread_create(watch, NULL, dog_stack, STACK_SIZE) <= 0) {
        printf("killrace: FAIL: no watchdog thread\n");
        return 1;
    }
    struct osv_sysinfo before, after;
    sysinfo(&before);
    for (int r = 0; r < rounds; r++) {
        __atomic_store_n(&round_now, r, __ATOMIC_RELAXED);
        int pid = fork();
        if (pid == 0) {
            child(r);
        }
        __atomic_store_n(&child_now, pid, __ATOMIC_RELAXED);
        int status = -1;
        int got = wait(pid, &status);
        if (pid < 0 || got != pid || (status != 7 && status != 2)) {
            printf("killrace: FAIL: round %d: fork %d, wait %d, status %d\n", r, pid, got, status);
            exit(1);
        }
    }
    sleep(2);
    sysinfo(&after);
    if (after.free_pages != before.free_pages) {
        printf("killrace: FAIL: free pages %lu, not %lu\n", (unsigned long)after.free_pages,
               (unsigned long)before.free_pages);
        exit(1);
    }
    printf("killrace: every child ended, its reader with it\n");
    printf("killrace: PASS\n");
    exit(0);  // and the watchdog with us
}
