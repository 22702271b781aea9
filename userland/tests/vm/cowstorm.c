// cowstorm: many processes on several CPUs copy the same shared pages at
// the same moment, so that their copy-on-write faults drop references to
// the same frames concurrently.
//
// Usage: cowstorm [CHILDREN [ROUNDS]]. Run with several CPUs.
//
// Correctness criteria:
//  1. Every child, released at once with its siblings, writes every page of
//     a heap of PAGES pages shared with the parent and its siblings, and
//     then reads back only its own values: no write is lost or crosses into
//     another process.
//  2. The parent's pages still hold the parent's values after the storm.
//  3. Reference counts stay exact under concurrent drops: once each storm's
//     children are gone, free pages are exactly what they were after the
//     first storm (a lost decrement would leak the frame; an extra one would
//     free it while mapped, which the kernel's checker and the values above
//     would catch).
//
// Expected output: "cowstorm: PASS".

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define PAGES 64

static long *heap;

static void fill(long value)
{
    for (int page = 0; page < PAGES; page++) {
        heap[page * (VT_PAGE / sizeof(long))] = value + page;
    }
}

static bool holds(long value)
{
    for (int page = 0; page < PAGES; page++) {
        if (heap[page * (VT_PAGE / sizeof(long))] != value + page) {
            return false;
        }
    }
    return true;
}

static void storm(int children)
{
    int go[2];
    VT_EXPECT_EQ(pipe(go), 0, "pipe");
    int pids[64];
    for (int i = 0; i < children; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            close(go[1]);
            char c;
            read(go[0], &c, 1);  // end of file: everyone goes at once
            long mine = (long)(i + 1) << 32;
            fill(mine);
            _exit(holds(mine) ? 0 : 1);
        }
        VT_CHECK(pids[i] > 0, "fork of child %d: %d", i, pids[i]);
    }
    close(go[0]);
    close(go[1]);
    for (int i = 0; i < children; i++) {
        int status = -2;
        VT_EXPECT_EQ(wait(pids[i], &status), pids[i], "wait");
        VT_CHECK(status == 0, "child %d saw a value not its own (status %d)", i, status);
    }
}

int main(int argc, char **argv)
{
    vt_init("cowstorm", false);
    int children = argc > 1 ? atoi(argv[1]) : 12;
    int rounds = argc > 2 ? atoi(argv[2]) : 30;
    VT_CHECK(children >= 1 && children <= 64, "CHILDREN must be 1..64");
    heap = (long *)vt_sbrk(PAGES * VT_PAGE);
    // A first storm, unmeasured: the kernel's own caches (process and pipe
    // structures) settle at what a storm needs.
    fill(0);
    storm(children);
    struct osv_sysinfo before;
    vt_settle(&before);
    for (int round = 1; round <= rounds; round++) {
        fill(round);
        storm(children);
        VT_CHECK(holds(round), "round %d: the parent's pages changed", round);
    }
    struct osv_sysinfo after;
    vt_settle(&after);
    VT_EXPECT_EQ(after.free_pages, before.free_pages, "free pages after the storms");
    vt_sbrk(-(intptr_t)(PAGES * VT_PAGE));
    printf("cowstorm: %d rounds of %d children copying %d shared pages at once\n", rounds, children,
           PAGES);
    return vt_pass();
}
