// xv6_cowtest: the behaviours that xv6's copy-on-write lab checks with its
// cowtest program, written anew for osv: each sub-test prints "<sub>: ok";
// the program ends with "xv6_cowtest: PASS" or "xv6_cowtest: FAIL: ...".
//
// Correctness criteria:
//  1. simple: a process that has touched two thirds of physical memory can
//     fork (an eager copy would not fit: only copy-on-write makes it
//     succeed); the child sees the data and can write a page; after the
//     child exits and the heap shrinks back, free pages are exactly where
//     they were before. Twice, ending the same both times.
//  2. three: a parent with a heap of a quarter of memory, its child and a
//     grandchild all write the shared pages (the grandchild four fifths of
//     them, the others all), interleaved by sleeps; each then finds only its
//     own values. Three times; free pages end where they started each time.
//  3. file: read() from a pipe into a copy-on-write page gives the child the
//     bytes and leaves the parent's page alone; write() to a pipe from a
//     copy-on-write page sends the shared bytes and copies nothing.
//  4. At the end, free pages are back to the start exactly (the page tables
//     the heap made went with its pages).
//  5. The control, "xv6_cowtest eager" on a kernel booted with fork=eager
//     (every page copied at fork): simple's fork fails with ERR_NOMEM and
//     takes nothing (free pages as before), so simple does tell the two
//     apart; a fork of a small process still works.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define P VT_PAGE

static void expect_free_pages(uint64_t expected, const char *what)
{
    struct osv_sysinfo s;
    vt_settle(&s);
    VT_EXPECT_EQ(s.free_pages, expected, what);
}

static uint64_t free_pages(void)
{
    struct osv_sysinfo s;
    vt_settle(&s);
    return s.free_pages;
}

// Grows the heap by `pages` pages and writes `value` into the first word of
// each; returns the start.
static uintptr_t grow_and_touch(uint64_t pages, uint64_t value)
{
    uintptr_t p = vt_sbrk((intptr_t)(pages * P));
    for (uint64_t i = 0; i < pages; i++) {
        *(volatile uint64_t *)(p + i * P) = value;
    }
    return p;
}

static void simple_child(void *arg)
{
    uintptr_t p = ((uintptr_t *)arg)[0];
    uint64_t pages = ((uintptr_t *)arg)[1];
    for (uint64_t i = 0; i < pages; i += 97) {
        VT_EXPECT_EQ(*(volatile uint64_t *)(p + i * P), 0x51397e, "the child's view of the heap");
    }
    *(volatile uint64_t *)(p + (pages / 2) * P) = 0xc417d;
}

static void simple(int run)
{
    struct osv_sysinfo s;
    vt_settle(&s);
    uint64_t pages = s.total_pages / 3 * 2;
    VT_CHECK(pages + 64 < s.free_pages, "only %lu of %lu pages are free", s.free_pages,
             s.total_pages);
    uintptr_t p = grow_and_touch(pages, 0x51397e);
    uint64_t touched = free_pages();
    VT_CHECK(touched < pages, "%lu pages free after touching %lu: a copy would fit", touched,
             pages);
    uintptr_t arg[2] = {p, pages};
    VT_EXPECT_EQ(vt_run_child(simple_child, arg), 0, "the child's status");
    VT_EXPECT_EQ(*(volatile uint64_t *)(p + (pages / 2) * P), 0x51397e,
                 "the parent's page the child wrote");
    VT_EXPECT_EQ((uintptr_t)sbrk(-(intptr_t)(pages * P)), p + pages * P, "sbrk back");
    expect_free_pages(s.free_pages, "free pages after the fork and the shrink");
    printf("simple: ok (run %d: %lu of %lu pages touched, then fork with %lu free)\n", run, pages,
           s.total_pages, touched);
}

#define THREE_SLEEP 1  // tick: lets the others run in between

static void write_all(uintptr_t p, uint64_t pages, uint64_t value)
{
    for (uint64_t i = 0; i < pages; i++) {
        *(volatile uint64_t *)(p + i * P) = value;
    }
}

static void check_all(uintptr_t p, uint64_t pages, uint64_t value, const char *who)
{
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t got = *(volatile uint64_t *)(p + i * P);
        VT_CHECK(got == value, "%s: page %lu holds 0x%lx, not its own 0x%lx", who, i, got, value);
    }
}

static void three(int run)
{
    struct osv_sysinfo s;
    vt_settle(&s);
    uint64_t pages = s.total_pages / 4;
    uintptr_t p = grow_and_touch(pages, 1);
    int child = fork();
    VT_CHECK(child >= 0, "fork: %s", err_name(child));
    if (child == 0) {
        int grandchild = fork();
        VT_CHECK(grandchild >= 0, "fork: %s", err_name(grandchild));
        if (grandchild == 0) {
            uint64_t mine = (uint64_t)getpid() << 8 | 3;
            write_all(p, pages / 5 * 4, mine);
            sleep(THREE_SLEEP);
            check_all(p, pages / 5 * 4, mine, "the grandchild");
            check_all(p + pages / 5 * 4 * P, pages - pages / 5 * 4, 1, "the grandchild");
            exit(0);
        }
        uint64_t mine = (uint64_t)getpid() << 8 | 2;
        write_all(p, pages, mine);
        sleep(THREE_SLEEP);
        check_all(p, pages, mine, "the child");
        int status;
        VT_EXPECT_EQ(wait(grandchild, &status), grandchild, "wait for the grandchild");
        VT_EXPECT_EQ(status, 0, "the grandchild's status");
        check_all(p, pages, mine, "the child");
        exit(0);
    }
    sleep(THREE_SLEEP);
    uint64_t mine = (uint64_t)getpid() << 8 | 1;
    write_all(p, pages, mine);
    check_all(p, pages, mine, "the parent");
    int status;
    VT_EXPECT_EQ(wait(child, &status), child, "wait for the child");
    VT_EXPECT_EQ(status, 0, "the child's status");
    check_all(p, pages, mine, "the parent");
    VT_EXPECT_EQ((uintptr_t)sbrk(-(intptr_t)(pages * P)), p + pages * P, "sbrk back");
    expect_free_pages(s.free_pages, "free pages after three processes wrote the shared pages");
    printf("three: ok (run %d: %lu pages written by parent, child and grandchild)\n", run, pages);
}

#define FILE_CHILDREN 4

static char file_buf[P] __attribute__((aligned(4096)));
static char file_out[P] __attribute__((aligned(4096)));

static void file(void)
{
    int fds[2];
    VT_EXPECT_EQ(pipe(fds), 0, "pipe");
    memset(file_out, 'o', sizeof(file_out));
    for (int i = 0; i < FILE_CHILDREN; i++) {
        file_buf[0] = 99;
        int pid = fork();
        VT_CHECK(pid >= 0, "fork: %s", err_name(pid));
        if (pid == 0) {
            sleep(1);
            struct osv_sysinfo a, b;
            vt_settle(&a);
            int j = 0;
            VT_EXPECT_EQ(read(fds[0], file_buf, sizeof(i)), sizeof(i), "read into a shared page");
            vt_sysinfo(&b);
            memcpy(&j, file_buf, sizeof(j));
            VT_EXPECT_EQ(j, i, "the number read into the shared page");
            VT_EXPECT_EQ(b.proc_cow_copies - a.proc_cow_copies, 1, "copies for read()");
            // And from a shared page into the pipe: a read, no copy.
            vt_settle(&a);
            VT_EXPECT_EQ(write(fds[1], file_out, 100), 100, "write from a shared page");
            vt_sysinfo(&b);
            VT_EXPECT_EQ(b.proc_cow_copies - a.proc_cow_copies, 0, "copies for write()");
            VT_EXPECT_EQ(b.proc_page_faults - a.proc_page_faults, 0, "faults for write()");
            char back[100];
            VT_EXPECT_EQ(read(fds[0], back, sizeof(back)), sizeof(back), "read back");
            for (size_t k = 0; k < sizeof(back); k++) {
                VT_CHECK(back[k] == 'o', "byte %zu written from a shared page came back as %d", k,
                         back[k]);
            }
            exit(0);
        }
        VT_EXPECT_EQ(write(fds[1], &i, sizeof(i)), sizeof(i), "write to the pipe");
        int status;
        VT_EXPECT_EQ(wait(pid, &status), pid, "wait");
        VT_EXPECT_EQ(status, 0, "the child's status");
        VT_EXPECT_EQ(file_buf[0], 99, "the parent's page after the child read into its copy");
    }
    close(fds[0]);
    close(fds[1]);
    printf("file: ok (%d children: read() into a shared page copies it for the child only; "
           "write() from one copies nothing)\n",
           FILE_CHILDREN);
}

static void eager_child(void *arg)
{
    (void)arg;
}

// The control: simple on a kernel that copies every page at fork.
static void simple_eager(void)
{
    struct osv_sysinfo s, a, b;
    vt_settle(&s);
    uint64_t pages = s.total_pages / 3 * 2;
    uintptr_t p = grow_and_touch(pages, 0x51397e);
    vt_settle(&a);
    int pid = fork();
    if (pid == 0) {
        exit(3);  // must not happen: the parent fails below
    }
    vt_sysinfo(&b);
    VT_CHECK(pid == ERR_NOMEM, "fork=eager: fork with %lu pages touched and %lu free returned %d",
             pages, a.free_pages, pid);
    VT_EXPECT_EQ(b.free_pages, a.free_pages, "free pages after the failed eager fork");
    VT_EXPECT_EQ((uintptr_t)sbrk(-(intptr_t)(pages * P)), p + pages * P, "sbrk back");
    VT_EXPECT_EQ(vt_run_child(eager_child, NULL), 0, "an eager fork of a small process");
    printf("simple: ok (fork=eager: with %lu of %lu pages touched fork fails with ERR_NOMEM and "
           "takes nothing)\n",
           pages, s.total_pages);
}

int main(int argc, char **argv)
{
    vt_init("xv6_cowtest", false);
    if (argc == 2 && strcmp(argv[1], "eager") == 0) {
        simple_eager();
        return vt_pass();
    }
    uint64_t start = free_pages();
    simple(1);
    simple(2);
    three(1);
    three(2);
    three(3);
    file();
    expect_free_pages(start, "free pages at the end");
    printf("xv6_cowtest: free pages back to the start\n");
    return vt_pass();
}
