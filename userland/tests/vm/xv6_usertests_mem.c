// xv6_usertests_mem: the memory tests of xv6's usertests, by behaviour,
// written anew for osv (whose heap is lazy: where xv6 expects sbrk to fail
// for lack of memory, osv's sbrk succeeds and the touch that finds no page
// kills the process). Each sub-test prints "<sub>: ok"; the program ends
// with "xv6_usertests_mem: PASS" or "xv6_usertests_mem: FAIL: ...".
//
// Correctness criteria:
//  1. sbrkbasic: 5000 calls of sbrk(1) each return the previous break and
//     give a writable byte; a forked child's sbrk continues from the
//     parent's break without moving the parent's; a child that asks for
//     more than the machine has (1 GiB on 64 MiB) gets it lazily and is
//     killed with "out of memory" when it writes it all.
//  2. sbrkmuch: growing the heap to half of memory and writing every page
//     costs exactly those pages and their tables; sbrk(-page) moves the
//     break down a page and frees it; growing a page again returns the same
//     address and the page reads zero (it was really deallocated); shrinking
//     back frees every page and every table.
//  3. sbrkfail: with memory nearly full (children holding it), sbrk still
//     succeeds (it takes no page), a child reading a lazily grown 1 GiB is
//     killed with "out of memory", growth past the user half fails with
//     (void *)-1 and changes nothing; the holders' data survives, and once
//     they are released free pages are exactly back.
//  4. sbrkarg: memory from sbrk, never touched, works as system call
//     arguments: write() from it sends zeros, read() into it and pipe()
//     storing its descriptors there succeed, each page served by one
//     demand-zero fault in the kernel's copyin/copyout.
//  5. stackguard: a child reading the guard gap below its stack is killed
//     with "stack overflow".
//  6. kernmem: children reading the kernel image, the direct map and the
//     kernel stacks are killed with "user access to a kernel address";
//     children writing non-canonical addresses (2^47 and up, below the
//     kernel half) are killed too (on x86_64 that is a general protection
//     fault, not a page fault).
//  7. textwrite: a child writing its own code is killed with "access not
//     permitted".
//  8. copyuser: read() and write() with a buffer in the kernel, above the
//     break, in the guard gap or (for read) in read-only text return
//     ERR_FAULT and the caller goes on; open() with a kernel-address path
//     too.
//  9. At the end, free pages are back to the start exactly (the page tables
//     the heap made went with its pages).

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define P VT_PAGE

static struct vt_pts pts;

static uintptr_t brk_now(void)
{
    return (uintptr_t)sbrk(0);
}

// --- 1. sbrkbasic

static void write_everything(void *arg)
{
    uint64_t bytes = *(uint64_t *)arg;
    void *p = sbrk((intptr_t)bytes);
    if (p == (void *)-1) {
        printf("sbrkbasic: the child's sbrk(%lu) failed\n", bytes);
        exit(1);  // acceptable to xv6, not to osv's lazy heap: the parent fails
    }
    for (uint64_t off = 0; off < bytes; off += P) {
        *(volatile char *)((uintptr_t)p + off) = 99;
    }
    printf("sbrkbasic: the child wrote %lu bytes and survived\n", bytes);
}

static void sbrkbasic(void)
{
    struct osv_sysinfo a, b;
    vt_settle(&a);
    uint64_t toomuch = 1ul << 30;
    vt_expect_killed("out of memory", write_everything, &toomuch);
    vt_settle(&b);
    VT_EXPECT_EQ(b.free_pages, a.free_pages, "free pages after the greedy child");

    uintptr_t start = brk_now();
    uintptr_t expected = start;
    for (int i = 0; i < 5000; i++) {
        uintptr_t got = (uintptr_t)sbrk(1);
        VT_CHECK(got == expected, "sbrk(1) number %d returned 0x%lx, not 0x%lx", i, got, expected);
        *(volatile char *)got = (char)i;
        expected = got + 1;
    }
    int pid = fork();
    VT_CHECK(pid >= 0, "fork: %s", err_name(pid));
    if (pid == 0) {
        uintptr_t c = (uintptr_t)sbrk(1);
        uintptr_t d = (uintptr_t)sbrk(1);
        VT_CHECK(c == expected && d == expected + 1,
                 "the child's sbrk(1) returned 0x%lx and 0x%lx, not 0x%lx and 0x%lx", c, d,
                 expected, expected + 1);
        *(volatile char *)d = 1;
        exit(0);
    }
    int status;
    VT_EXPECT_EQ(wait(pid, &status), pid, "wait");
    VT_EXPECT_EQ(status, 0, "the child's status");
    VT_EXPECT_EQ(brk_now(), expected, "the parent's break after the child's sbrk");
    for (int i = 0; i < 5000; i++) {
        VT_EXPECT_EQ(*(volatile char *)(start + (uintptr_t)i), (char)i, "a byte from sbrk(1)");
    }
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(expected - start)), expected, "sbrk back");
    printf("sbrkbasic: ok (1 GiB child killed; 5000 x sbrk(1) contiguous; a child's sbrk "
           "continues from the break)\n");
}

// --- 2. sbrkmuch

static void sbrkmuch(void)
{
    struct osv_sysinfo a, b, c, d, e;
    vt_settle(&a);
    uintptr_t start = brk_now();
    uint64_t pages = a.free_pages / 2;
    uintptr_t p = vt_sbrk((intptr_t)(pages * P));
    VT_EXPECT_EQ(p, start, "sbrk's old break");
    vt_touch_write(p, p + pages * P);
    int tables = vt_pts_add_range(&pts, p, p + pages * P);
    uintptr_t top = p + pages * P;
    volatile char *last = (volatile char *)(top - 1);
    *last = 99;
    vt_sysinfo(&b);
    VT_EXPECT_EQ(a.free_pages - b.free_pages, pages + (uint64_t)tables,
                 "free pages taken by writing half of memory");

    // Every page below the last is mapped: the last page's table goes with
    // it only if the last page starts a 2 MiB (and its directory, a GiB).
    uint64_t alone = (top - P) % VT_PT_SPAN == 0 ? 1 + ((top - P) % (1ul << 30) == 0) : 0;
    VT_EXPECT_EQ((uintptr_t)sbrk(-(intptr_t)P), top, "sbrk(-page)'s old break");
    VT_EXPECT_EQ(brk_now(), top - P, "the break after sbrk(-page)");
    vt_sysinfo(&c);
    VT_EXPECT_EQ(c.free_pages - b.free_pages, 1 + alone, "pages freed by sbrk(-page)");
    VT_EXPECT_EQ((uintptr_t)sbrk((intptr_t)P), top - P, "re-growth by a page");
    VT_EXPECT_EQ(brk_now(), top, "the break after re-growth");
    VT_CHECK(*last == 0, "the re-grown page still holds 99: it was not deallocated");
    vt_sysinfo(&d);
    VT_EXPECT_EQ(c.free_pages - d.free_pages, 1 + alone,
                 "pages taken by reading the re-grown page");

    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(top - start)), top, "shrinking back");
    VT_EXPECT_EQ(vt_pts_heap_emptied(&pts), tables, "page tables the heap made");
    vt_sysinfo(&e);
    VT_EXPECT_EQ(e.free_pages, a.free_pages, "free pages after shrinking back (tables too)");
    VT_EXPECT_EQ(e.proc_table_pages, a.proc_table_pages, "page-table pages after shrinking back");
    printf("sbrkmuch: ok (%lu pages written; one page freed, re-grown as zeros; all freed)\n",
           pages);
}

// --- 3. sbrkfail

#define HOLDERS 7

static void read_a_lot(void *arg)
{
    (void)arg;
    uint64_t bytes = 1ul << 30;
    volatile char *p = sbrk((intptr_t)bytes);
    VT_CHECK(p != (void *)-1, "sbrk(1 GiB) failed");
    int n = 0;
    for (uint64_t off = 0; off < bytes; off += P) {
        n += p[off];
    }
    printf("sbrkfail: read 1 GiB and survived (%d)\n", n);
}

static void sbrkfail(void)
{
    struct osv_sysinfo a, b, c;
    vt_settle(&a);
    uint64_t each = a.free_pages / 8;
    int release[2], report[2];
    VT_EXPECT_EQ(pipe(release), 0, "pipe");
    VT_EXPECT_EQ(pipe(report), 0, "pipe");
    int pids[HOLDERS];
    for (int i = 0; i < HOLDERS; i++) {
        pids[i] = fork();
        VT_CHECK(pids[i] >= 0, "fork: %s", err_name(pids[i]));
        if (pids[i] == 0) {
            close(release[1]);
            uintptr_t p = vt_sbrk((intptr_t)(each * P));
            for (uint64_t k = 0; k < each; k++) {
                *(volatile uint64_t *)(p + k * P) = k ^ (uint64_t)i;
            }
            VT_EXPECT_EQ(write(report[1], "h", 1), 1, "the report");
            char x;
            VT_EXPECT_EQ(read(release[0], &x, 1), 0, "the release");
            for (uint64_t k = 0; k < each; k++) {
                VT_CHECK(*(volatile uint64_t *)(p + k * P) == (k ^ (uint64_t)i),
                         "holder %d lost page %lu", i, k);
            }
            exit(0);
        }
        char x;
        VT_EXPECT_EQ(read(report[0], &x, 1), 1, "a holder's report");
    }
    vt_sysinfo(&b);
    printf("sbrkfail: %d children hold %lu pages each; %lu pages free\n", HOLDERS, each,
           b.free_pages);

    uintptr_t start = brk_now();
    VT_EXPECT_EQ(vt_sbrk(10 * P), start, "sbrk(10 pages) with memory nearly full");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(10 * P)), start + 10 * P, "sbrk back");
    VT_CHECK(sbrk((intptr_t)1 << 47) == (void *)-1, "sbrk(128 TiB) succeeded");
    VT_EXPECT_EQ(brk_now(), start, "the break after the failed sbrk");
    vt_expect_killed("out of memory", read_a_lot, NULL);

    close(release[1]);
    for (int i = 0; i < HOLDERS; i++) {
        int status;
        VT_EXPECT_EQ(wait(pids[i], &status), pids[i], "wait for a holder");
        VT_EXPECT_EQ(status, 0, "a holder's status");
    }
    close(release[0]);
    close(report[0]);
    close(report[1]);
    vt_settle(&c);
    VT_EXPECT_EQ(c.free_pages, a.free_pages, "free pages after the holders are gone");
    printf("sbrkfail: ok (lazy sbrk needs no memory; the 1 GiB reader was killed; the holders "
           "kept their data)\n");
}

// --- 4. sbrkarg

static void sbrkarg(void)
{
    struct osv_sysinfo a, b;
    uintptr_t start = brk_now();
    VT_EXPECT_EQ(start % P, 0, "the break's page offset");
    uintptr_t src = vt_sbrk(P), dst = vt_sbrk(P), fdsp = vt_sbrk(P);
    int fds[2];
    VT_EXPECT_EQ(pipe(fds), 0, "pipe");
    vt_settle(&a);
    for (uint64_t off = 0; off < P; off += 512) {
        VT_EXPECT_EQ(write(fds[1], (void *)(src + off), 512), 512, "write() from sbrk'd memory");
        VT_EXPECT_EQ(read(fds[0], (void *)(dst + off), 512), 512, "read() into sbrk'd memory");
    }
    vt_sysinfo(&b);
    VT_EXPECT_EQ(b.proc_demand_zero_faults - a.proc_demand_zero_faults, 2,
                 "demand-zero faults served by copyin and copyout");
    VT_EXPECT_EQ(b.proc_pages_mapped - a.proc_pages_mapped, 2, "pages mapped");
    for (uint64_t off = 0; off < P; off++) {
        VT_CHECK(*(volatile char *)(dst + off) == 0, "byte %lu read from a fresh page is not 0",
                 off);
    }
    close(fds[0]);
    close(fds[1]);
    int *lazy_fds = (int *)fdsp;
    VT_EXPECT_EQ(pipe(lazy_fds), 0, "pipe() storing its descriptors in a fresh page");
    VT_EXPECT_EQ(write(lazy_fds[1], "ok", 2), 2, "write to that pipe");
    char got[2];
    VT_EXPECT_EQ(read(lazy_fds[0], got, 2), 2, "read from that pipe");
    VT_CHECK(got[0] == 'o' && got[1] == 'k', "the pipe delivered the wrong bytes");
    close(lazy_fds[0]);
    close(lazy_fds[1]);
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(3 * P)), start + 3 * P, "sbrk back");
    printf("sbrkarg: ok (write from, read into and pipe() into untouched sbrk'd pages)\n");
}

// --- 5, 6, 7. Children that must be killed

static void read_at(void *addr)
{
    printf("read 0x%lx: %d\n", (uintptr_t)addr, *(volatile char *)addr);
}

static void write_at(void *addr)
{
    *(volatile char *)addr = 1;
}

static void stackguard(void)
{
    vt_expect_killed("stack overflow", read_at, (void *)(VT_GUARD_START + 100));
    printf("stackguard: ok\n");
}

static void kernmem(void)
{
    const uintptr_t kernel[] = {
        VT_KERNEL_ADDR,             // the kernel image's first page
        VT_KERNEL_ADDR + 0x100000,  // its text
        VT_KERNEL_ADDR + 0x150000,  // its data
        0xffff800000000000ul,       // the direct map of physical memory
        0xffff800000100000ul,       // the kernel's bytes through the direct map
        0xffffffffc0000000ul + P,   // the kernel stacks
        0xfffffffffffff000ul,       // the last page
    };
    for (size_t i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++) {
        vt_expect_killed("user access to a kernel address", read_at, (void *)kernel[i]);
    }
    // Between the halves: non-canonical, a general protection fault.
    for (int bit = 47; bit < 64; bit += 4) {
        uintptr_t addr = 1ul << bit;
        printf("kernmem: write 0x%lx\n", addr);
        int status = vt_run_child(write_at, (void *)addr);
        VT_CHECK(status == EXIT_STATUS_KILLED, "a write to 0x%lx: status %d, not killed", addr,
                 status);
    }
    printf("kernmem: ok\n");
}

static void textwrite(void)
{
    vt_expect_killed("access not permitted", write_at, (void *)(uintptr_t)textwrite);
    printf("textwrite: ok\n");
}

// --- 8. copyuser

static void copyuser(void)
{
    int fds[2];
    VT_EXPECT_EQ(pipe(fds), 0, "pipe");
    const uintptr_t bad[] = {
        VT_KERNEL_ADDR + 0x100000,  // the kernel
        0xffff800000000000ul,       // the direct map
        brk_now() + 16 * P,         // above the break
        VT_GUARD_START,             // the bottom of the stack's guard gap
        1ul << 47,                  // the first non-canonical address
        0,                          // NULL
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t w = write(fds[1], (void *)bad[i], 64);
        VT_CHECK(w == ERR_FAULT, "write() from 0x%lx returned %ld, not ERR_FAULT", bad[i], w);
        VT_EXPECT_EQ(write(fds[1], "x", 1), 1, "write to the pipe");
        int64_t r = read(fds[0], (void *)bad[i], 1);
        VT_CHECK(r == ERR_FAULT, "read() into 0x%lx returned %ld, not ERR_FAULT", bad[i], r);
        char x;
        VT_EXPECT_EQ(read(fds[0], &x, 1), 1, "the pipe still has its byte");
    }
    VT_EXPECT_EQ(write(fds[1], "x", 1), 1, "write to the pipe");
    int64_t r = read(fds[0], (void *)(uintptr_t)copyuser, 1);
    VT_CHECK(r == ERR_FAULT, "read() into text returned %ld, not ERR_FAULT", r);
    int fd = open((const char *)(VT_KERNEL_ADDR + 0x100000), O_RDONLY);
    VT_CHECK(fd == ERR_FAULT, "open() of a kernel-address path returned %d, not ERR_FAULT", fd);
    close(fds[0]);
    close(fds[1]);
    printf("copyuser: ok (kernel, above-break, guard, non-canonical, NULL and text buffers: "
           "ERR_FAULT)\n");
}

int main(void)
{
    vt_init("xv6_usertests_mem", false);
    vt_pts_init(&pts);
    struct osv_sysinfo s0, s1;
    vt_settle(&s0);
    sbrkbasic();
    sbrkmuch();
    sbrkfail();
    sbrkarg();
    stackguard();
    kernmem();
    textwrite();
    copyuser();
    vt_settle(&s1);
    VT_EXPECT_EQ(brk_now(), vt_heap_start(), "the break at the end");
    VT_EXPECT_EQ(s1.free_pages, s0.free_pages, "free pages at the end");
    printf("xv6_usertests_mem: free pages back to the start\n");
    return vt_pass();
}
