// ptables: page-table pages come and go with the pages they map. A process
// that touches pages spread thinly over a big heap needs a page table for
// almost every page; giving the heap back with sbrk must give those tables
// back too, not leave them to the process's exit. Prints "round N: grow: ok",
// "round N: shrink: ok", and ends with "ptables: PASS" or "ptables: FAIL: ...".
//
// Usage: ptables [pages]   (default 4000)
//
// Correctness criteria:
//  1. Touching `pages` heap pages one per 2 MiB costs exactly those pages
//     plus their page tables: a table per page (but for the first, when the
//     heap's first 2 MiB already has the data's table) and a page directory
//     per GiB newly reached. sysinfo's proc_table_pages rises by exactly the
//     tables, and free_pages falls by the pages plus the tables.
//  2. sbrk back to the heap start frees every one of them: proc_table_pages,
//     proc_pages_mapped and the machine's free_pages are back at the
//     baseline exactly.
//  3. A second round ends at the same baseline: nothing accumulates.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define GIB (1ul << 30)

static void round_trip(int round, uint64_t pages, const struct osv_sysinfo *base)
{
    uintptr_t heap = vt_heap_start();
    uint64_t bytes = pages * VT_PT_SPAN;
    VT_EXPECT_EQ(vt_sbrk((intptr_t)bytes), heap, "sbrk: the old break");
    for (uint64_t i = 0; i < pages; i++) {
        *(volatile char *)(heap + i * VT_PT_SPAN) = 1;
    }

    // The tables the pages need: one per 2 MiB, but the heap's first 2 MiB
    // has the data's table unless the heap starts a 2 MiB of its own; the
    // first GiB's directory exists (exec made it), the others are new.
    uint64_t tables = pages - (heap % VT_PT_SPAN != 0 ? 1 : 0);
    uint64_t directories = (heap + bytes - VT_PT_SPAN) / GIB;
    struct osv_sysinfo grown;
    vt_sysinfo(&grown);
    VT_EXPECT_EQ(grown.proc_pages_mapped - base->proc_pages_mapped, pages, "pages mapped");
    VT_EXPECT_EQ(grown.proc_table_pages - base->proc_table_pages, tables + directories,
                 "page-table pages after touching");
    VT_EXPECT_EQ(base->free_pages - grown.free_pages, pages + tables + directories,
                 "free pages taken (pages, tables, directories)");
    printf("round %d: grow: ok (%lu pages, one per 2 MiB: %lu -> %lu page-table pages, "
           "%lu free pages taken)\n",
           round, pages, base->proc_table_pages, grown.proc_table_pages,
           base->free_pages - grown.free_pages);

    VT_EXPECT_EQ(vt_sbrk(-(intptr_t)bytes), heap + bytes, "sbrk back: the old break");
    struct osv_sysinfo back;
    vt_sysinfo(&back);
    VT_EXPECT_EQ(back.proc_pages_mapped, base->proc_pages_mapped,
                 "pages mapped after sbrk back to the heap start");
    VT_EXPECT_EQ(back.proc_table_pages, base->proc_table_pages,
                 "page-table pages after sbrk back to the heap start");
    VT_EXPECT_EQ(back.free_pages, base->free_pages, "free pages after sbrk back to the heap start");
    printf("round %d: shrink: ok (page-table pages back to %lu, free pages back to %lu)\n", round,
           back.proc_table_pages, back.free_pages);
}

int main(int argc, char **argv)
{
    vt_init("ptables", false);
    uint64_t pages = argc > 1 ? (uint64_t)atoi(argv[1]) : 4000;
    VT_CHECK(pages > 0, "usage: ptables [pages]");
    struct osv_sysinfo base;
    vt_settle(&base);
    for (int round = 1; round <= 2; round++) {
        round_trip(round, pages, &base);
    }
    return vt_pass();
}
