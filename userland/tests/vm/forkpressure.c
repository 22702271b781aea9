// forkpressure: fork under memory pressure (DESIGN.md, "Behaviour that must
// hold": out of physical memory in a fault, the faulting process dies or the
// system call returns ERR_NOMEM; the kernel and every other process go on;
// nothing leaks). Meant for a small machine (32 MiB).
//
// The main process (the judge) only measures: it forks a spawner and waits.
// The spawner touches a heap of about 2/15 of free memory, then:
//  phase 1: forks children one by one; each writes the whole heap (copying
//    every page) and holds its copy, until one runs out of memory in a
//    copy-on-write fault. The heap size makes that the outcome: six copies
//    fit, the seventh does not, and a fork needs only ~25 pages.
//  phase 2: forks a filler that touches fresh heap pages until at most
//    FILL_LEFT pages are free, then forks once more, which cannot get its
//    page tables and kernel stack.
// Every child first writes its whole stack and stdio's state, so that the
// spawner's own later writes never need a copy (it would be the one killed
// otherwise).
//
// Correctness criteria:
//  1. While free memory lasts, fork plus a full write of the heap gives each
//     child a private copy: it sees the spawner's data before writing, and
//     its own afterwards.
//  2. A copy-on-write fault with no free page kills only the faulting child
//     ("out of memory" on the console; wait reports EXIT_STATUS_KILLED);
//     the spawner and the holders go on.
//  3. With memory full, fork returns ERR_NOMEM and takes nothing: free
//     pages are the same before and after the failed fork.
//  4. The spawner's heap never changes; every holder exits 0 when released.
//  5. The kernel does not panic, and once everything is reaped, free pages
//     are exactly what they were when the judge started.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define P            VT_PAGE
#define MAX_CHILDREN 40
#define FILL_LEFT    3  // the filler stops at this many free pages or fewer

static uintptr_t heap;
static uint64_t heap_pages;
static int release[2];  // holders block reading it; closing it releases them

static uint64_t word_of(uint64_t owner, uint64_t page, uint64_t i)
{
    return (owner << 56) ^ (page << 20) ^ (i * 0x9e3779b97f4a7c15ul);
}

static volatile uint64_t *page_at(uint64_t page)
{
    return (volatile uint64_t *)(heap + page * P);
}

// Makes this child's copies of the pages the spawner itself writes (its
// stack, stdio's buffers), so the spawner's later writes to them happen in
// place instead of needing a free page.
static void privatize(void)
{
    fflush(NULL);
    vt_touch_write(VT_USTACK_START, VT_USTACK_TOP);
}

// Holds until the spawner closes the release pipe; returns when released.
static void hold(void)
{
    char c;
    int64_t n = read(release[0], &c, 1);
    VT_EXPECT_EQ(n, 0, "read from the release pipe (end of file)");
}

static void holder(int report, uint64_t me)
{
    close(release[1]);
    privatize();
    for (uint64_t page = 0; page < heap_pages; page++) {
        volatile uint64_t *w = page_at(page);
        VT_CHECK(w[0] == word_of(0, page, 0), "holder %lu: page %lu lacks the spawner's data", me,
                 page);
        w[0] = word_of(me, page, 0);  // the copy: may be where memory runs out
    }
    char d = 'd';
    VT_EXPECT_EQ(write(report, &d, 1), 1, "the report");
    close(report);
    hold();
    for (uint64_t page = 0; page < heap_pages; page++) {
        VT_CHECK(page_at(page)[0] == word_of(me, page, 0), "holder %lu: page %lu lost its copy", me,
                 page);
    }
}

static void filler(int report)
{
    close(release[1]);
    privatize();
    uintptr_t fill = vt_sbrk(64l * 1024 * 1024);  // more than the machine has; lazily
    uint64_t touched = 0;
    for (;;) {
        struct osv_sysinfo info;
        vt_sysinfo(&info);
        // A touch takes at most two pages (the page, a page table).
        if (info.free_pages <= FILL_LEFT) {
            break;
        }
        VT_CHECK(touched < 64ul * 1024 * 1024 / P, "the filler ran past its heap");
        *(volatile char *)(fill + touched * P) = 1;
        touched++;
    }
    char d = 'd';
    VT_EXPECT_EQ(write(report, &d, 1), 1, "the report");
    close(report);
    hold();
    printf("forkpressure: the filler had touched %lu pages\n", touched);
}

// Forks a child that runs body(report, n); returns its pid, or the fork's
// error. *report is the read end of the child's report pipe.
static int spawn(void (*body)(int, uint64_t), uint64_t n, int *report)
{
    int fds[2];
    int err = pipe(fds);
    VT_CHECK(err == 0, "pipe: %s", err_name(err));
    int pid = fork();
    if (pid == 0) {
        close(fds[0]);
        body(fds[1], n);
        exit(0);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return pid;
    }
    *report = fds[0];
    return pid;
}

static void filler_body(int report, uint64_t n)
{
    (void)n;
    filler(report);
}

// Reads the child's report: true if it reported, false if it died first.
// Leaves the pipe open (closing it frees its buffer page).
static bool reported(int report)
{
    char c = 0;
    int64_t n = read(report, &c, 1);
    VT_CHECK(n == 0 || (n == 1 && c == 'd'), "a report read %ld ('%c')", n, c);
    return n == 1;
}

static void spawner(void *unused)
{
    (void)unused;
    struct osv_sysinfo info;
    vt_sysinfo(&info);
    heap_pages = info.free_pages * 2 / 15;
    heap = vt_sbrk((intptr_t)(heap_pages * P));
    for (uint64_t page = 0; page < heap_pages; page++) {
        page_at(page)[0] = word_of(0, page, 0);
    }
    VT_EXPECT_EQ(pipe(release), 0, "pipe");
    printf("forkpressure: spawner holds a %lu-page heap; %lu pages were free\n", heap_pages,
           info.free_pages);

    // Phase 1: copies until a copy-on-write fault finds no page.
    int holders[MAX_CHILDREN];
    int count = 0;
    bool oom_killed = false;
    while (count < MAX_CHILDREN && !oom_killed) {
        int report;
        int pid = spawn(holder, (uint64_t)count + 1, &report);
        VT_CHECK(pid >= 0,
                 "fork %d failed (%s) before any copy-on-write fault ran out of memory: "
                 "the heap size should make the fault come first",
                 count + 1, err_name(pid));
        bool ok = reported(report);
        close(report);
        if (ok) {
            holders[count++] = pid;
            continue;
        }
        int status;
        VT_EXPECT_EQ(wait(pid, &status), pid, "wait for the child that died");
        VT_EXPECT_EQ(status, EXIT_STATUS_KILLED, "the status of the child that died");
        oom_killed = true;
    }
    VT_CHECK(oom_killed, "%d children copied the heap and memory never ran out", count);
    VT_CHECK(count >= 2, "only %d children could copy the heap", count);
    vt_sysinfo(&info);
    printf("forkpressure: phase 1: %d children hold a copy each; child %d was killed copying "
           "(out of memory); %lu pages free now\n",
           count, count + 1, info.free_pages);

    // Phase 2: memory full, fork must fail and take nothing.
    int report;
    int filler_pid = spawn(filler_body, 0, &report);
    VT_CHECK(filler_pid > 0, "fork of the filler: %s", err_name(filler_pid));
    VT_CHECK(reported(report), "the filler died");
    struct osv_sysinfo a, b;
    vt_settle(&a);
    int pid = fork();
    if (pid == 0) {
        exit(3);  // must not happen: the parent fails below
    }
    vt_sysinfo(&b);
    VT_CHECK(pid == ERR_NOMEM, "fork with %lu free pages returned %d (%s), not ERR_NOMEM",
             a.free_pages, pid, pid < 0 ? err_name(pid) : "a pid");
    VT_CHECK(a.free_pages <= FILL_LEFT, "%lu pages free, more than the filler left", a.free_pages);
    VT_EXPECT_EQ(b.free_pages, a.free_pages, "free pages after the failed fork");
    printf("forkpressure: phase 2: with %lu pages free, fork returned ERR_NOMEM and took nothing\n",
           a.free_pages);
    close(report);
    void *lazy = sbrk((intptr_t)(16 * P));
    VT_CHECK(lazy != (void *)-1, "sbrk with memory full (lazy: it takes no page) failed");
    VT_EXPECT_EQ((uintptr_t)sbrk(-(intptr_t)(16 * P)), (uintptr_t)lazy + 16 * P, "sbrk back");

    // Release and reap everyone.
    close(release[1]);
    close(release[0]);
    for (int i = 0; i < count; i++) {
        int status;
        VT_EXPECT_EQ(wait(holders[i], &status), holders[i], "wait for a holder");
        VT_EXPECT_EQ(status, 0, "a holder's exit status");
    }
    int status;
    VT_EXPECT_EQ(wait(filler_pid, &status), filler_pid, "wait for the filler");
    VT_EXPECT_EQ(status, 0, "the filler's exit status");
    for (uint64_t page = 0; page < heap_pages; page++) {
        VT_CHECK(page_at(page)[0] == word_of(0, page, 0), "the spawner's page %lu changed", page);
    }
    printf("forkpressure: every holder released and reaped; the spawner's heap is intact\n");
}

int main(void)
{
    vt_init("forkpressure", false);
    struct osv_sysinfo s0, s1;
    vt_settle(&s0);
    printf("forkpressure: %lu of %lu pages free at the start\n", s0.free_pages, s0.total_pages);
    int status = vt_run_child(spawner, NULL);
    VT_EXPECT_EQ(status, 0, "the spawner's exit status");
    vt_settle(&s1);
    VT_EXPECT_EQ(s1.free_pages, s0.free_pages, "free pages after everything is reaped");
    printf("forkpressure: free pages back to %lu\n", s1.free_pages);
    return vt_pass();
}
