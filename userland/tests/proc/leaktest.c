// leaktest: the kernel gives back every page that processes and pipes take.
//
// Correctness criteria (free pages as sysinfo reports them, compared
// exactly: no allowance for caches warming up):
//  1. After ROUNDS rounds of fork, exec of `true` in the child, and wait,
//     the free-page count is what it was before.
//  2. The same after ROUNDS rounds of fork and exit without exec, where the
//     child first writes to its data (copy-on-write copies), grows its
//     stack and its heap (sbrk, touched), and the parent writes its data
//     after each child is gone.
//  3. The same after ROUNDS rounds of pipe, 3000 bytes through it, and close
//     of both ends.
//  4. The same after KILLED_ROUNDS rounds of a child that touches memory
//     and is then killed by the kernel (a read of a kernel address), and
//     KILLED_ROUNDS of a child ended by kill().
//  5. Every child exits with the expected status (0, or EXIT_STATUS_KILLED).
//
// This process's own pages must not change between two counts, or they
// would look like a leak: before the first count it touches the stack it
// will use, its static buffers and stdout's buffer, and it never calls
// malloc. Its own mapped-page count (proc_pages_mapped) is printed with
// any difference, to tell its pages from the kernel's.
//
// Expected output: a line per kind of round, then "leaktest: PASS".

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define ROUNDS        200
#define KILLED_ROUNDS 20
#define PAGE          4096

static char data[4 * PAGE];  // written by children (copy-on-write) and by us

struct snapshot {
    uint64_t free_pages;
    uint64_t own_pages;  // pages mapped in this process
};

static struct snapshot snapshot(void)
{
    struct osv_sysinfo info;
    if (sysinfo(&info) != 0) {
        printf("leaktest: FAIL: sysinfo\n");
        exit(1);
    }
    return (struct snapshot){info.free_pages, info.proc_pages_mapped};
}

static void check_same(struct snapshot before, const char *what)
{
    struct snapshot after = snapshot();
    printf("leaktest: %s: %lu free pages before, %lu after\n", what,
           (unsigned long)before.free_pages, (unsigned long)after.free_pages);
    check(after.free_pages == before.free_pages,
          "%s: %ld pages not returned (this process maps %lu pages, %lu before)", what,
          (long)(before.free_pages - after.free_pages), (unsigned long)after.own_pages,
          (unsigned long)before.own_pages);
}

// Makes the stack pages that the rounds will use present, so that they are
// not counted as taken later on.
__attribute__((noinline)) static void touch_stack(void)
{
    volatile char block[6 * PAGE];
    for (size_t i = 0; i < sizeof block; i += 512) {
        block[i] = 1;
    }
}

static void touch_memory_as_child(void)
{
    memset(data, 0x77, sizeof data);  // copy-on-write copies
    volatile char deep[3 * PAGE];     // stack pages of its own
    for (size_t i = 0; i < sizeof deep; i += PAGE) {
        deep[i] = 1;
    }
    char *heap = sbrk(3 * PAGE);
    if (heap != (char *)-1) {
        memset(heap, 0x33, 3 * PAGE);
    }
}

static void rounds_fork_exec(void)
{
    char *argv[] = {"true", NULL};
    struct snapshot before = snapshot();
    for (int i = 0; i < ROUNDS; i++) {
        int pid = fork();
        if (pid == 0) {
            exec("true", argv);
            _exit(99);
        }
        int status = -2;
        if (!check(wait(pid, &status) == pid && status == 0,
                   "fork/exec round %d: pid %d, status %d", i, pid, status)) {
            break;
        }
    }
    check_same(before, "200 rounds of fork, exec and exit");
}

static void rounds_fork_exit(void)
{
    struct snapshot before = snapshot();
    for (int i = 0; i < ROUNDS; i++) {
        int pid = fork();
        if (pid == 0) {
            touch_memory_as_child();
            _exit(i & 0xff);
        }
        int status = -2;
        if (!check(wait(pid, &status) == pid && status == (i & 0xff),
                   "fork/exit round %d: pid %d, status %d", i, pid, status)) {
            break;
        }
        data[(i * 64) % sizeof data] = (char)i;  // our copy-on-write pages: ours alone again
    }
    check_same(before, "200 rounds of fork and exit");
}

static void rounds_pipe(void)
{
    static char out[3000], in[3000];
    memset(out, 'p', sizeof out);
    struct snapshot before = snapshot();
    for (int i = 0; i < ROUNDS; i++) {
        int fds[2];
        if (!check_result(pipe(fds), 0, "pipe round %d", i)) {
            break;
        }
        bool ok = write(fds[1], out, sizeof out) == sizeof out;
        size_t got = 0;
        while (ok && got < sizeof in) {
            ssize_t r = read(fds[0], in + got, sizeof in - got);
            ok = r > 0;
            got += ok ? (size_t)r : 0;
        }
        close(fds[0]);
        close(fds[1]);
        if (!check(ok, "pipe round %d: 3000 bytes through", i)) {
            break;
        }
    }
    check_same(before, "200 rounds of pipe, write, read and close");
}

static void rounds_killed(void)
{
    struct snapshot before = snapshot();
    for (int i = 0; i < KILLED_ROUNDS; i++) {
        int pid = fork();
        if (pid == 0) {
            touch_memory_as_child();
            (void)*(volatile char *)0xffff800000000000ull;
            _exit(0);
        }
        int status = 0;
        if (!check(wait(pid, &status) == pid && status == EXIT_STATUS_KILLED,
                   "killed round %d: pid %d, status %d", i, pid, status)) {
            break;
        }
    }
    for (int i = 0; i < KILLED_ROUNDS; i++) {
        int pid = fork();
        if (pid == 0) {
            touch_memory_as_child();
            for (;;) {
                sleep(1);
            }
        }
        int status = 0;
        if (!check(kill(pid) == 0 && wait(pid, &status) == pid && status == EXIT_STATUS_KILLED,
                   "kill() round %d: pid %d, status %d", i, pid, status)) {
            break;
        }
    }
    check_same(before, "20 children killed by the kernel, 20 by kill()");
}

int main(void)
{
    check_init("leaktest");
    touch_stack();
    memset(data, 0, sizeof data);
    printf("leaktest: free pages, before and after each kind of round\n");
    rounds_fork_exec();
    rounds_fork_exit();
    rounds_pipe();
    rounds_killed();
    return check_finish();
}
