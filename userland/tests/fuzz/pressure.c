// pressure: the kernel under memory and process-table exhaustion.
//
//   pressure bomb | hog | both
//
// Runs forkbomb (BOMB_PAGES dirty pages per child), sbrkhog, or both at the
// same time, as its children, and stands for init and the shell: a
// process that must come through untouched.
//
// Correctness criteria:
//  1. The offenders end by themselves, or are killed: forkbomb with status
//     0 (fork failed with ERR_NOSPACE or ERR_NOMEM and it reaped all its
//     children) or EXIT_STATUS_KILLED (out of memory after a fork; init
//     then reaps its children); sbrkhog with EXIT_STATUS_KILLED (out of
//     memory) or 3 (sbrk failed).
//  2. This program survives: it takes no memory once the offenders start.
//     It has touched every page it will use before, and both offenders
//     are forked and wait on a pipe before either execs, so that its own
//     copy-on-write copies are made while memory is plentiful.
//  3. Once they and their children are gone (init reaps orphans; this
//     waits up to SETTLE_TICKS for that), the free page count is exactly
//     the baseline measured before.
//  4. The kernel still works: a pipe carries 16 bytes, a child forks and
//     exits with status 7.
//
// Output: a line per offender, the free pages, then "pressure: PASS" (or
// "pressure: FAIL: ..." lines and exit status 1). init's "init: pressure
// exited with status 0" line then shows that init survived too.

#include <osv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SETTLE_TICKS 2000
#define BOMB_PAGES   "64"
#define BOMB_SPIN    "100"
#define HOG_STEP     "16"

static int failures;

static void fail(const char *what, long detail)
{
    printf("pressure: FAIL: %s (%ld)\n", what, detail);
    failures++;
}

static uint64_t free_pages(void)
{
    struct osv_sysinfo info;
    if (sysinfo(&info) != 0) {
        fail("sysinfo", 0);
        return 0;
    }
    return info.free_pages;
}

// Every stack page the rest of main can reach, present now.
__attribute__((noinline)) static void touch_stack(void)
{
    volatile char deep[16 * 1024];
    for (size_t i = 0; i < sizeof deep; i += 512) {
        deep[i] = 0;
    }
}

// Forks a child that waits for `go` to close, then runs argv.
static int start(char *const argv[], int go[2])
{
    int pid = fork();
    if (pid == 0) {
        close(go[1]);
        char c;
        read(go[0], &c, 1);  // end of file when the parent lets go
        close(go[0]);
        exec(argv[0], argv);
        _exit(127);
    }
    if (pid < 0) {
        fail("fork of an offender", pid);
    }
    return pid;
}

int main(int argc, char **argv)
{
    bool bomb = argc == 2 && (strcmp(argv[1], "bomb") == 0 || strcmp(argv[1], "both") == 0);
    bool hog = argc == 2 && (strcmp(argv[1], "hog") == 0 || strcmp(argv[1], "both") == 0);
    if (!bomb && !hog) {
        fprintf(stderr, "usage: pressure bomb|hog|both\n");
        return 2;
    }
    // Every page this program will touch, present before the baseline:
    // the stack, its own data, stdout's buffer.
    touch_stack();
    failures = 0;
    struct osv_sysinfo info;
    sysinfo(&info);
    printf("pressure: %s%s%s in %lu pages\n", bomb ? "forkbomb" : "", bomb && hog ? " and " : "",
           hog ? "sbrkhog" : "", (unsigned long)info.total_pages);
    uint64_t baseline = free_pages();
    printf("pressure: baseline %lu free pages\n", (unsigned long)baseline);

    char *bomb_argv[] = {"forkbomb", BOMB_PAGES, BOMB_SPIN, NULL};
    char *hog_argv[] = {"sbrkhog", HOG_STEP, NULL};
    int go[2];
    if (pipe(go) != 0) {
        fail("pipe", 0);
        return 1;
    }
    int hog_pid = hog ? start(hog_argv, go) : 0;
    int bomb_pid = bomb ? start(bomb_argv, go) : 0;
    close(go[0]);
    close(go[1]);  // both go at once

    int left = (hog_pid > 0) + (bomb_pid > 0);
    while (left > 0) {
        int status = 0;
        int pid = wait(-1, &status);
        if (pid == bomb_pid) {
            printf("pressure: forkbomb ended: %s\n", status == 0 ? "fork failed, every child reaped"
                                                     : status == EXIT_STATUS_KILLED
                                                         ? "killed by the kernel"
                                                         : "with a wrong status");
            if (status != 0 && status != EXIT_STATUS_KILLED) {
                fail("forkbomb's status", status);
            }
        } else if (pid == hog_pid) {
            printf("pressure: sbrkhog ended: %s\n", status == EXIT_STATUS_KILLED
                                                        ? "killed by the kernel"
                                                    : status == 3 ? "sbrk failed"
                                                                  : "with a wrong status");
            if (status != 3 && status != EXIT_STATUS_KILLED) {
                fail("sbrkhog's status", status);
            }
        } else {
            fail("wait returned something else", pid);
            break;
        }
        left--;
    }

    // Orphans of a killed bomb are init's to reap.
    uint64_t now = free_pages();
    int waited = 0;
    while (now != baseline && waited < SETTLE_TICKS) {
        sleep(1);
        waited++;
        now = free_pages();
    }
    printf("pressure: %lu free pages, baseline %lu (after %d ticks)\n", (unsigned long)now,
           (unsigned long)baseline, waited);
    if (now != baseline) {
        fail("pages not back", (long)(baseline - now));
    } else {
        printf("pressure: free pages back to the baseline\n");
    }

    int fds[2];
    char out[16] = "0123456789abcdef", in[16];
    if (pipe(fds) != 0 || write(fds[1], out, sizeof out) != sizeof out ||
        read(fds[0], in, sizeof in) != sizeof in || memcmp(in, out, sizeof in) != 0) {
        fail("a pipe round trip", 0);
    }
    close(fds[0]);
    close(fds[1]);
    int pid = fork();
    if (pid == 0) {
        _exit(7);
    }
    int status = 0;
    if (pid < 0 || wait(pid, &status) != pid || status != 7) {
        fail("fork, exit and wait afterwards", status);
    } else {
        printf("pressure: the kernel still forks, pipes and waits\n");
    }
    if (failures > 0) {
        printf("pressure: FAIL: %d checks failed\n", failures);
        return 1;
    }
    printf("pressure: PASS\n");
    return 0;
}
