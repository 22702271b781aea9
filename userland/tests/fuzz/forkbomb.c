// forkbomb: forks until fork fails.
//
//   forkbomb PAGES SPIN
//
// Forks, a tick apart, until fork fails with ERR_NOSPACE (the process table
// is full) or ERR_NOMEM (no memory for another process), then reaps every
// child. Each child execs `forkbomb -child PAGES SPIN`, which takes PAGES
// pages of memory and holds them, spins for SPIN ticks (a tick of sleep at
// a time) and exits 0. It takes its pages through the kernel (sysinfo's
// copy into each page of a lazy heap), where running out is ERR_NOMEM, not
// a kill, so that memory fills up and stays full: with little memory it
// runs out before the process table does. A child (or the bomb itself) may
// still be killed for lack of memory on a copy-on-write fault, and a
// child's exec may fail with ERR_NOMEM (status 3).
//
// Output: "forkbomb: N children, then fork: ERR_X" and "forkbomb: reaped
// N: E exited, K killed by the kernel, X without memory to exec". Exit status
// 0 when fork failed with one of the two errors and every child was reaped
// with one of those statuses; 1 otherwise; 2 for bad arguments.

#include <osv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE           4096
#define ST_EXEC_FAILED 3

static _Noreturn void child(int pages, int spin)
{
    char *heap = sbrk((intptr_t)pages * PAGE);
    if (heap != (char *)-1) {
        // The kernel's copy into a lazy page maps it, or says ERR_NOMEM.
        for (int i = 0; i < pages; i++) {
            if (sysinfo((struct osv_sysinfo *)(heap + (intptr_t)i * PAGE)) != 0) {
                break;  // hold what we have
            }
        }
    }
    uint64_t end = ticks() + (uint64_t)spin;
    while (ticks() < end) {
        sleep(1);
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    bool as_child = argc == 4 && strcmp(argv[1], "-child") == 0;
    int pages = argc == 3 || as_child ? atoi(argv[argc - 2]) : -1;
    int spin = argc == 3 || as_child ? atoi(argv[argc - 1]) : -1;
    if (pages < 0 || pages > 4096 || spin < 0 || (argc != 3 && !as_child)) {
        fprintf(stderr, "usage: forkbomb PAGES SPIN\n");
        return 2;
    }
    if (as_child) {
        child(pages, spin);
    }
    char *child_argv[] = {"forkbomb", "-child", argv[1], argv[2], NULL};
    int children = 0;
    int err;
    for (;;) {
        int pid = fork();
        if (pid == 0) {
            exec("forkbomb", child_argv);
            _exit(ST_EXEC_FAILED);
        }
        if (pid < 0) {
            err = pid;
            break;
        }
        children++;
        sleep(1);  // the child execs and takes its memory
    }
    printf("forkbomb: %d children, then fork: %s\n", children, err_name(err));
    int exited = 0, killed = 0, no_exec = 0, other = 0, status;
    while (wait(-1, &status) > 0) {
        if (status == 0) {
            exited++;
        } else if (status == EXIT_STATUS_KILLED) {
            killed++;
        } else if (status == ST_EXEC_FAILED) {
            no_exec++;
        } else {
            other++;
        }
    }
    printf("forkbomb: reaped %d: %d exited, %d killed by the kernel, %d without memory to exec\n",
           exited + killed + no_exec + other, exited, killed, no_exec);
    bool ok = (err == ERR_NOSPACE || err == ERR_NOMEM) && other == 0 &&
              exited + killed + no_exec == children;
    if (!ok) {
        printf("forkbomb: FAIL: fork's error, or %d children with other statuses\n", other);
    }
    return ok ? 0 : 1;
}
