// forkfail: fork at every level of free memory, from none up to enough.
//
// fork needs memory in several steps (the child's page tables, its region
// records, its thread and kernel stack), and each step can run out. A
// walker process takes nearly all free memory with its heap, then forks at
// every level of free memory on the way back up, giving back one heap page
// per level, until a fork succeeds. So every one of those steps fails once,
// and after each failure the walker checks that fork undid all it did.
//
// The fork that finally succeeds leaves the walker and its child almost no
// memory: the first write either of them makes to a page they share (the
// stack) needs a copy, and may find none. Being killed for that is correct;
// so the walker reports each level to this program through a pipe as it
// goes, and this program accepts either ending.
//
// Correctness criteria:
//  1. Below the level fork needs, fork returns ERR_NOMEM, never anything
//     else, and the kernel never panics.
//  2. After each failed fork the free page count and the process count are
//     exactly what they were before: nothing of the half-built child is
//     left, not even its table slot.
//  3. The walk ends with a fork that succeeds (the walker reports it, or is
//     killed for lack of memory right after it), after at least one level
//     where fork failed.
//  4. Once the walker and its child are gone, every page is free again:
//     the free page count is back at this program's baseline.
//
// Runs without vmcheck: filling memory takes thousands of page faults, and
// the checker walks every page after each.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define PAGE_SIZE    4096
// The walker fills memory down to this many free pages: touching one page
// more could need a page table page as well.
#define FLOOR        4
// How long this program waits for init to reap an orphaned grandchild.
#define SETTLE_TICKS 200

// What the walker writes to the pipe, one byte per event.
#define REPORT_FAILED    'F'  // a fork failed with ERR_NOMEM and gave everything back
#define REPORT_SUCCEEDED 'S'  // a fork succeeded: the walk is over
#define REPORT_WRONG     'X'  // a fork returned something else, or kept memory

static struct osv_sysinfo info(void)
{
    struct osv_sysinfo s;
    sysinfo(&s);
    return s;
}

static void report(int fd, char what)
{
    write(fd, &what, 1);
}

static _Noreturn void walker(int fd)
{
    char *heap = sbrk(0);
    size_t pages = 0;
    while (info().free_pages > FLOOR) {
        if (sbrk(PAGE_SIZE) == (void *)-1) {
            printf("forkfail: FAIL: sbrk failed with %llu pages free\n",
                   (unsigned long long)info().free_pages);
            _exit(1);
        }
        heap[pages * PAGE_SIZE] = 1;
        pages++;
    }
    printf("forkfail: the walker holds %zu heap pages; %llu pages free\n", pages,
           (unsigned long long)info().free_pages);
    for (;;) {
        struct osv_sysinfo before = info();
        int pid = fork();
        if (pid == 0) {
            _exit(0);
        }
        if (pid > 0) {
            report(fd, REPORT_SUCCEEDED);
            wait(pid, NULL);
            printf("forkfail: fork succeeded at %llu free pages\n",
                   (unsigned long long)before.free_pages);
            _exit(0);
        }
        struct osv_sysinfo after = info();
        if (pid != ERR_NOMEM || after.free_pages != before.free_pages ||
            after.processes != before.processes) {
            printf("forkfail: FAIL: fork at %llu free pages and %llu processes returned %d; "
                   "then %llu free pages and %llu processes\n",
                   (unsigned long long)before.free_pages, (unsigned long long)before.processes, pid,
                   (unsigned long long)after.free_pages, (unsigned long long)after.processes);
            report(fd, REPORT_WRONG);
            _exit(1);
        }
        report(fd, REPORT_FAILED);
        if (pages == 0) {
            printf("forkfail: FAIL: fork fails even with the walker's whole heap free\n");
            _exit(1);
        }
        pages--;
        sbrk(-PAGE_SIZE);  // one more page free for the next level
    }
}

int main(void)
{
    check_init("forkfail");
    uint64_t baseline = info().free_pages;
    int reports[2];
    if (!check_result(pipe(reports), 0, "pipe")) {
        return check_finish();
    }
    int pid = fork();
    if (pid == 0) {
        close(reports[0]);
        walker(reports[1]);
    }
    check(pid > 0, "fork of the walker returned %d", pid);
    close(reports[1]);

    int failed = 0, succeeded = 0, wrong = 0;
    char event;
    while (read(reports[0], &event, 1) == 1) {
        failed += event == REPORT_FAILED;
        succeeded += event == REPORT_SUCCEEDED;
        wrong += event == REPORT_WRONG;
    }
    close(reports[0]);
    int status = 0;
    check_result(wait(pid, &status), pid, "wait for the walker");
    check(status == 0 || status == EXIT_STATUS_KILLED,
          "the walker ends well, or is killed for lack of memory after its fork (status %d)",
          status);
    check(wrong == 0, "every failed fork returned ERR_NOMEM and gave back all it took");
    check(failed > 0, "fork failed at some level (%d levels)", failed);
    check(succeeded == 1 || status == EXIT_STATUS_KILLED, "the walk ended with a fork that worked");
    printf("forkfail: fork failed at %d levels of free memory, each giving back all it took\n",
           failed);

    // A grandchild orphaned by the walker's death is init's to reap.
    uint64_t start = ticks();
    while (info().free_pages != baseline && ticks() - start < SETTLE_TICKS) {
        sleep(1);
    }
    check_result((int64_t)info().free_pages, (int64_t)baseline,
                 "free pages once the walker and its child are gone");
    return check_finish();
}
