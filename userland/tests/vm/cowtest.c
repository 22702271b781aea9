// cowtest: copy-on-write fork with page reference counts (kernel/mm/vm.h:
// as_copy; kernel/pgfault.h: the copy-on-write case; DESIGN.md, "Behaviour
// that must hold"), counted exactly with sysinfo. A process with a 16 MiB
// heap, every page touched, forks once; parent and child take turns, each
// blocked on a pipe while the other measures, so the system-wide counts
// move only by what the measuring side does.
//
// Correctness criteria:
//  1. fork shares, it does not copy: pages_shared grows by exactly the
//     parent's proc_pages_mapped, the child maps as many pages, and the
//     fork takes only the child's page tables (root, upper levels, one
//     table per 2 MiB that maps a page), its kernel stack and at most
//     SLAB_SLACK pages of kernel objects: about 20 pages, nowhere near the
//     4096 of the heap. (Stack pages that parent or child write right after
//     fork are copies, counted by cow_copies and taken out.)
//  2. The child's first write to a shared heap page is one copy-on-write
//     fault that copies: cow_copies +1, free pages -1, pages mapped
//     unchanged; writing the page again faults no more.
//  3. read() from a pipe into a shared page copies exactly that page
//     (copyout serves the copy-on-write fault): one page, or two for a
//     buffer across a page boundary; the bytes arrive.
//  4. Reading shared pages copies nothing, and the child sees the parent's
//     data in every page it did not write.
//  5. The last sharer writes in place: the parent writing a page the child
//     has copied already (while the child lives) is cow_reused +1 with no
//     page taken; a page still shared is copied. After the child exits,
//     every write of the parent is a reuse.
//  6. Independence, both ways: the parent never sees the child's writes,
//     the child never sees the parent's.
//  7. After the child is reaped and the parent has written its whole heap,
//     free pages and pages mapped are exactly what they were before fork.
//
// It prints the meminfo figures (as the meminfo program does) before fork
// (the parent), after fork (the child, first thing) and after the child's
// write of one page.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define P            VT_PAGE
#define HEAP_BYTES   (16ul * 1024 * 1024)
#define HEAP_PAGES   (HEAP_BYTES / P)
// A fork's kernel stack (arch/kstack.h: KSTACK_SIZE, 16 KiB).
#define KSTACK_PAGES 4
// Slab pages that the child's kernel objects (struct thread, struct
// addrspace, five struct memregion) may need when their kmalloc caches
// have no free slot.
#define SLAB_SLACK   3

// Heap pages with a role; every other page keeps the parent's pattern.
#define PG_CHILD_WRITES   100  // the child writes it; then the parent (a reuse)
#define PG_READ_INTO      200  // the child read()s into it
#define PG_READ_ACROSS    301  // a read() across the boundary of 300 and 301
#define PG_PARENT_WRITES  500  // the parent writes it while still shared
#define PG_PARENT_REUSES  600  // the parent writes it after the child is gone
#define READ_INTO_BYTES   64
#define READ_ACROSS_BYTES 128

static uintptr_t heap;
static int go[2];    // parent -> child
static int done[2];  // child -> parent
static int data[2];  // what the child reads into shared pages

static uint64_t word_of(uint64_t page, uint64_t i)
{
    return (page << 20) ^ (i * 0x9e3779b97f4a7c15ul);
}

static volatile uint64_t *page_at(uint64_t page)
{
    return (volatile uint64_t *)(heap + page * P);
}

static void check_pattern(uint64_t page, const char *who)
{
    volatile uint64_t *w = page_at(page);
    for (uint64_t i = 0; i < P / 8; i++) {
        VT_CHECK(w[i] == word_of(page, i), "%s: heap page %lu word %lu is 0x%lx, not the pattern",
                 who, page, i, w[i]);
    }
}

static void send(int fd, char c)
{
    VT_EXPECT_EQ(write(fd, &c, 1), 1, "write to a pipe");
}

static void receive(int fd, char expected)
{
    char c = 0;
    VT_EXPECT_EQ(read(fd, &c, 1), 1, "read from a pipe");
    VT_CHECK(c == expected, "got '%c' from a pipe, expected '%c'", c, expected);
}

static void expect_delta(uint64_t before, uint64_t after, int64_t delta, const char *what)
{
    VT_EXPECT_EQ((int64_t)(after - before), delta, what);
}

static void child(void)
{
    struct osv_sysinfo first, s1, s2, s3, s4, s5, s6;
    vt_sysinfo(&first);
    // Only the parent writes `go` and reads `done`: with these ends closed
    // here (and the others in the parent), a side that dies leaves the other
    // reading end of file, a failure, instead of waiting forever.
    close(go[1]);
    close(done[0]);
    receive(go[0], 'g');  // the parent has measured the fork

    // 2. One write, one copy.
    vt_settle(&s1);
    page_at(PG_CHILD_WRITES)[7] = 0xc417d;
    vt_sysinfo(&s2);
    expect_delta(s1.cow_faults, s2.cow_faults, 1, "cow_faults for the child's first write");
    expect_delta(s1.cow_copies, s2.cow_copies, 1, "cow_copies for the child's first write");
    expect_delta(s1.cow_reused, s2.cow_reused, 0, "cow_reused for the child's first write");
    expect_delta(s1.proc_cow_copies, s2.proc_cow_copies, 1, "the child's proc_cow_copies");
    expect_delta(s1.free_pages, s2.free_pages, -1, "free pages for the child's first write");
    expect_delta(s1.proc_pages_mapped, s2.proc_pages_mapped, 0, "the child's pages mapped");
    page_at(PG_CHILD_WRITES)[8] = 0xc417e;
    vt_sysinfo(&s3);
    expect_delta(s2.page_faults, s3.page_faults, 0, "page faults for writing the copy again");
    expect_delta(s2.free_pages, s3.free_pages, 0, "free pages for writing the copy again");
    vt_print_meminfo("the child, first thing after fork", &first);
    vt_print_meminfo("the child, after writing one heap page", &s2);
    printf("cowtest: one write in the child: cow_copies +1, free pages -1\n");

    // 3. read() into shared pages.
    char expected[READ_INTO_BYTES + READ_ACROSS_BYTES];
    for (size_t i = 0; i < sizeof(expected); i++) {
        expected[i] = (char)('A' + i % 26);
    }
    char *into = (char *)(heap + PG_READ_INTO * P + 100);
    vt_settle(&s3);
    VT_EXPECT_EQ(read(data[0], into, READ_INTO_BYTES), READ_INTO_BYTES, "read into a shared page");
    vt_sysinfo(&s4);
    expect_delta(s3.cow_copies, s4.cow_copies, 1, "cow_copies for read() into one shared page");
    expect_delta(s3.proc_cow_faults, s4.proc_cow_faults, 1, "the child's cow faults for read()");
    expect_delta(s3.free_pages, s4.free_pages, -1, "free pages for read() into one shared page");
    VT_CHECK(memcmp(into, expected, READ_INTO_BYTES) == 0, "read() delivered the wrong bytes");
    char *across = (char *)(heap + PG_READ_ACROSS * P - READ_ACROSS_BYTES / 2);
    vt_settle(&s5);
    VT_EXPECT_EQ(read(data[0], across, READ_ACROSS_BYTES), READ_ACROSS_BYTES,
                 "read across two shared pages");
    vt_sysinfo(&s6);
    expect_delta(s5.cow_copies, s6.cow_copies, 2, "cow_copies for read() across two pages");
    expect_delta(s5.free_pages, s6.free_pages, -2, "free pages for read() across two pages");
    VT_CHECK(memcmp(across, expected + READ_INTO_BYTES, READ_ACROSS_BYTES) == 0,
             "read() across two pages delivered the wrong bytes");
    printf("cowtest: read() into a shared page: 1 copy; across two: 2 copies\n");

    // 4. Reading copies nothing; the parent's data is all there.
    vt_settle(&s5);
    for (uint64_t page = 0; page < HEAP_PAGES; page++) {
        if (page != PG_CHILD_WRITES && page != PG_READ_INTO && page != PG_READ_ACROSS - 1 &&
            page != PG_READ_ACROSS) {
            check_pattern(page, "the child");
        }
    }
    vt_sysinfo(&s6);
    expect_delta(s5.cow_copies, s6.cow_copies, 0, "copies made by reading every shared page");
    expect_delta(s5.free_pages, s6.free_pages, 0, "free pages taken by reading shared pages");
    printf("cowtest: the child reads the parent's 16 MiB without a copy\n");

    send(done[1], 'm');
    receive(go[0], 'w');  // the parent has written its pages
    // 6. The parent's writes stay the parent's.
    check_pattern(PG_PARENT_WRITES, "the child, after the parent wrote its copy");
    VT_EXPECT_EQ(page_at(PG_CHILD_WRITES)[7], 0xc417d, "the child's own write");
    VT_EXPECT_EQ(page_at(PG_CHILD_WRITES)[100], word_of(PG_CHILD_WRITES, 100),
                 "the rest of the page the child copied");
}

int main(void)
{
    vt_init("cowtest", false);
    heap = vt_sbrk(HEAP_BYTES);
    for (uint64_t page = 0; page < HEAP_PAGES; page++) {
        volatile uint64_t *w = page_at(page);
        for (uint64_t i = 0; i < P / 8; i++) {
            w[i] = word_of(page, i);
        }
    }
    VT_EXPECT_EQ(pipe(go), 0, "pipe");
    VT_EXPECT_EQ(pipe(done), 0, "pipe");
    VT_EXPECT_EQ(pipe(data), 0, "pipe");
    char bytes[READ_INTO_BYTES + READ_ACROSS_BYTES];
    for (size_t i = 0; i < sizeof(bytes); i++) {
        bytes[i] = (char)('A' + i % 26);
    }
    VT_EXPECT_EQ(write(data[1], bytes, sizeof(bytes)), sizeof(bytes), "write to the data pipe");
    printf("cowtest: heap of %lu pages at 0x%lx, every page written\n", HEAP_PAGES, heap);

    // Tables the child will need: one per 2 MiB with a mapped page (text
    // through the heap's end, and the stack's), plus the upper levels.
    uint64_t chunks = (heap + HEAP_BYTES - 1) / VT_PT_SPAN - 0x400000 / VT_PT_SPAN + 1 + 1;
    uint64_t tables = vt_fork_table_pages(chunks);

    struct osv_sysinfo before, after, s1, s2;
    vt_settle(&before);
    vt_print_meminfo("the parent (16 MiB heap), before fork", &before);
    int pid = fork();
    VT_CHECK(pid >= 0, "fork: %s", err_name(pid));
    if (pid == 0) {
        child();
        exit(0);
    }
    vt_sysinfo(&after);
    close(go[0]);
    close(done[1]);
    send(go[1], 'g');
    receive(done[0], 'm');  // the child has measured

    // 1. What the fork took.
    uint64_t dropped = before.free_pages - after.free_pages;
    uint64_t copies = after.cow_copies - before.cow_copies;
    uint64_t zeroed = after.demand_zero_faults - before.demand_zero_faults;
    uint64_t fork_cost = dropped - copies - zeroed;
    printf("cowtest: fork took %lu pages (%lu free pages less, %lu of them stack copies); "
           "page tables %lu, kernel stack %d\n",
           fork_cost, dropped, copies + zeroed, tables, KSTACK_PAGES);
    expect_delta(before.pages_shared, after.pages_shared, (int64_t)before.proc_pages_mapped,
                 "pages_shared by the fork");
    VT_EXPECT_EQ(after.proc_pages_mapped, before.proc_pages_mapped, "the parent's pages mapped");
    VT_CHECK(fork_cost >= tables + KSTACK_PAGES && fork_cost <= tables + KSTACK_PAGES + SLAB_SLACK,
             "fork took %lu pages; expected %lu page tables + %d kernel stack pages + at most %d "
             "slab pages",
             fork_cost, tables, KSTACK_PAGES, SLAB_SLACK);

    // 5. The last sharer writes in place; a page still shared is copied.
    vt_settle(&s1);
    page_at(PG_CHILD_WRITES)[7] = 0x9a7e47;
    vt_sysinfo(&s2);
    expect_delta(s1.cow_reused, s2.cow_reused, 1, "cow_reused: a page only the parent maps now");
    expect_delta(s1.cow_copies, s2.cow_copies, 0, "cow_copies for that page");
    expect_delta(s1.free_pages, s2.free_pages, 0, "free pages for that page");
    vt_settle(&s1);
    page_at(PG_PARENT_WRITES)[0] = 0x9a7e47;
    vt_sysinfo(&s2);
    expect_delta(s1.cow_copies, s2.cow_copies, 1, "cow_copies: a page both still map");
    expect_delta(s1.free_pages, s2.free_pages, -1, "free pages for that page");
    printf("cowtest: the parent writes a page the child copied: reused in place; "
           "a page still shared: copied\n");
    send(go[1], 'w');

    int status;
    VT_EXPECT_EQ(wait(pid, &status), pid, "wait's pid");
    VT_EXPECT_EQ(status, 0, "the child's exit status");

    // 6. The child's writes stayed the child's.
    VT_EXPECT_EQ(page_at(PG_CHILD_WRITES)[7], 0x9a7e47, "the parent's own write");
    VT_EXPECT_EQ(page_at(PG_CHILD_WRITES)[8], word_of(PG_CHILD_WRITES, 8),
                 "a word the child wrote in its copy");
    check_pattern(PG_READ_INTO, "the parent, after the child read into its copy");
    check_pattern(PG_READ_ACROSS - 1, "the parent");
    check_pattern(PG_READ_ACROSS, "the parent");

    // 5, 7. Alone again: every write is a reuse, and the memory is as before.
    vt_settle(&s1);
    page_at(PG_PARENT_REUSES)[0] = 1;
    vt_sysinfo(&s2);
    expect_delta(s1.cow_reused, s2.cow_reused, 1, "cow_reused after the child exited");
    expect_delta(s1.free_pages, s2.free_pages, 0, "free pages for it");
    vt_settle(&s1);
    for (uint64_t page = 0; page < HEAP_PAGES; page++) {
        page_at(page)[1] = 2;
    }
    vt_sysinfo(&s2);
    expect_delta(s1.proc_cow_reused, s2.proc_cow_reused, (int64_t)HEAP_PAGES - 3,
                 "reuses when the parent writes every other heap page");
    expect_delta(s1.cow_copies, s2.cow_copies, 0, "copies when the parent writes its heap");
    VT_EXPECT_EQ(s2.free_pages, before.free_pages, "free pages, back to before fork");
    VT_EXPECT_EQ(s2.proc_pages_mapped, before.proc_pages_mapped, "pages mapped, as before fork");
    printf("cowtest: after the child exits, the parent's %lu writes reuse every page; "
           "free pages as before fork\n",
           HEAP_PAGES - 3);
    return vt_pass();
}
