// xv6_lazytests: the behaviours that xv6's lazy-allocation lab checks with
// its lazytests program, written anew for osv: each sub-test prints
// "<sub>: ok"; the program ends with "xv6_lazytests: PASS" or
// "xv6_lazytests: FAIL: ...".
//
// Correctness criteria:
//  1. sparse: sbrk(1 GiB) succeeds and takes no page; writing one word
//     every 64 pages (4096 pages over 512 spans of 2 MiB, across the first
//     GiB boundary) costs exactly those pages plus their page tables (and
//     the second GiB's page directory); every word reads back; sbrk(-1 GiB)
//     frees exactly the 4096 pages and those tables.
//  2. unmap: after 16 MiB are written and given back with sbrk(-16 MiB),
//     their pages and tables are free again (exactly), and a child touching any
//     address in the old range (eight probes, reads and writes, first and
//     last page included) is killed with "bad address".
//  3. oom: a child that sbrk()s twice the machine's memory (lazily: it
//     succeeds) and writes page after page is killed with "out of memory"
//     when memory runs out; the kernel and the parent go on, every page the
//     child took comes back, and the parent can then use memory again: its
//     fresh pages read zero, never the dead child's data.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define P VT_PAGE

static struct vt_pts pts;

#define SPARSE_BYTES  (1ul << 30)
#define SPARSE_STRIDE (64 * P)

static void sparse(void)
{
    struct osv_sysinfo a, b, c, d;
    vt_settle(&a);
    uintptr_t p = vt_sbrk((intptr_t)SPARSE_BYTES);
    vt_sysinfo(&b);
    VT_EXPECT_EQ(b.free_pages, a.free_pages, "free pages after sbrk(1 GiB)");
    VT_EXPECT_EQ(b.proc_pages_mapped, a.proc_pages_mapped, "pages mapped after sbrk(1 GiB)");
    uint64_t touched = 0;
    int tables = 0;
    for (uintptr_t x = p; x < p + SPARSE_BYTES; x += SPARSE_STRIDE) {
        *(volatile uintptr_t *)x = x;
        touched++;
        tables += vt_pts_add(&pts, x);
    }
    vt_sysinfo(&c);
    VT_EXPECT_EQ(c.proc_pages_mapped - b.proc_pages_mapped, touched, "pages mapped");
    VT_EXPECT_EQ(b.free_pages - c.free_pages, touched + (uint64_t)tables,
                 "free pages taken (pages, tables, directory)");
    for (uintptr_t x = p; x < p + SPARSE_BYTES; x += SPARSE_STRIDE) {
        VT_CHECK(*(volatile uintptr_t *)x == x, "the word at 0x%lx changed", x);
    }
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)SPARSE_BYTES), p + SPARSE_BYTES, "sbrk(-1 GiB)");
    VT_EXPECT_EQ(vt_pts_heap_emptied(&pts), tables, "page tables the heap made");
    vt_sysinfo(&d);
    VT_EXPECT_EQ(d.free_pages - c.free_pages, touched + (uint64_t)tables,
                 "pages freed by sbrk(-1 GiB) (pages, tables, directory)");
    VT_EXPECT_EQ(d.proc_pages_mapped, a.proc_pages_mapped, "pages mapped after sbrk(-1 GiB)");
    VT_EXPECT_EQ(d.proc_table_pages, a.proc_table_pages, "page-table pages after sbrk(-1 GiB)");
    printf("sparse: ok (1 GiB at 0x%lx: %lu pages touched for %lu + %d tables; all freed)\n", p,
           touched, touched, tables);
}

#define UNMAP_BYTES  (16ul << 20)
#define UNMAP_PROBES 8

static void write_probe(void *addr)
{
    *(volatile uintptr_t *)addr = (uintptr_t)addr;
}

static void read_probe(void *addr)
{
    (void)*(volatile uintptr_t *)addr;
}

static void unmap(void)
{
    struct osv_sysinfo a, b, c;
    vt_settle(&a);
    uintptr_t p = vt_sbrk((intptr_t)UNMAP_BYTES);
    vt_touch_write(p, p + UNMAP_BYTES);
    int tables = vt_pts_add_range(&pts, p, p + UNMAP_BYTES);
    vt_sysinfo(&b);
    VT_EXPECT_EQ(b.proc_pages_mapped - a.proc_pages_mapped, UNMAP_BYTES / P, "pages mapped");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)UNMAP_BYTES), p + UNMAP_BYTES, "sbrk(-16 MiB)");
    vt_pts_heap_emptied(&pts);
    vt_sysinfo(&c);
    VT_EXPECT_EQ(c.free_pages - b.free_pages, UNMAP_BYTES / P + (uint64_t)tables,
                 "pages freed by sbrk(-16 MiB) (and their tables)");
    VT_EXPECT_EQ(c.proc_pages_mapped, a.proc_pages_mapped, "pages mapped after the shrink");
    for (int i = 0; i < UNMAP_PROBES; i++) {
        uintptr_t addr = i == UNMAP_PROBES - 1 ? p + UNMAP_BYTES - 8
                                               : p + (uintptr_t)i * (UNMAP_BYTES / UNMAP_PROBES);
        printf("unmap: probe %d %s 0x%lx\n", i, i % 2 ? "reads" : "writes", addr);
        vt_expect_killed("bad address", i % 2 ? read_probe : write_probe, (void *)addr);
    }
    struct osv_sysinfo d;
    vt_settle(&d);
    VT_EXPECT_EQ(d.free_pages, c.free_pages, "free pages after the probes");
    printf("unmap: ok (16 MiB written, given back: %lu pages freed; %d probes killed)\n",
           UNMAP_BYTES / P, UNMAP_PROBES);
}

static void oom_child(void *arg)
{
    uint64_t pages = *(uint64_t *)arg;
    uintptr_t p = vt_sbrk((intptr_t)(pages * P));
    printf("oom: the child's sbrk(%lu pages) succeeded (lazily); it writes them all\n", pages);
    for (uint64_t i = 0; i < pages; i++) {
        *(volatile uint64_t *)(p + i * P) = i;
    }
    printf("oom: the child wrote %lu pages and survived\n", pages);
}

static void oom(void)
{
    struct osv_sysinfo a, b, c;
    vt_settle(&a);
    uint64_t pages = a.total_pages * 2;
    vt_expect_killed("out of memory", oom_child, &pages);
    vt_settle(&b);
    VT_EXPECT_EQ(b.free_pages, a.free_pages, "free pages after the child died of out of memory");
    // The pages the child wrote are free again: whatever the parent gets
    // now must be zeroed, never the child's data.
    uintptr_t p = vt_sbrk((intptr_t)(1024 * P));
    for (uintptr_t x = p; x < p + 1024 * P; x += 8) {
        VT_CHECK(*(volatile uint64_t *)x == 0,
                 "a fresh page after the child's death holds data "
                 "at 0x%lx",
                 x);
    }
    vt_touch_write(p, p + 1024 * P);
    int tables = vt_pts_add_range(&pts, p, p + 1024 * P);
    vt_sysinfo(&c);
    VT_EXPECT_EQ(a.free_pages - c.free_pages, 1024 + (uint64_t)tables,
                 "the parent's 1024 pages after the out-of-memory kill");
    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)(1024 * P)), p + 1024 * P, "sbrk back");
    vt_pts_heap_emptied(&pts);
    printf("oom: ok (the child was killed, its pages came back, the parent allocates again)\n");
}

int main(void)
{
    vt_init("xv6_lazytests", false);
    vt_pts_init(&pts);
    struct osv_sysinfo s0, s1;
    vt_settle(&s0);
    sparse();
    unmap();
    oom();
    vt_settle(&s1);
    VT_EXPECT_EQ(s1.free_pages, s0.free_pages, "free pages at the end");
    VT_EXPECT_EQ(s1.proc_pages_mapped, s0.proc_pages_mapped, "pages mapped at the end");
    printf("xv6_lazytests: free pages back to the start\n");
    return vt_pass();
}
