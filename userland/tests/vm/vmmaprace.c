// vmmaprace: describing a process's address space while it changes it, on
// another CPU.
//
// Usage: vmmaprace [ROUNDS]. Run with several CPUs.
//
// A child churns its address space: it grows its heap by CHURN_PAGES pages
// spread over several page tables, touches each, and shrinks it again,
// which frees the pages and the page tables the kernel made for them; every
// few rounds it also forks a grandchild that writes to its copy-on-write
// heap and exits. Meanwhile the parent, on another CPU, asks vmmap for the
// child's whole description, pages included, over and over.
//
// Correctness criteria:
//  1. The kernel survives: vmmap never reads a page table or a region that
//     the child frees meanwhile (that could fault in the kernel, or report
//     garbage).
//  2. Every description is one the child really had at some moment: its
//     heap region ends on the churn's two possible breaks only, and the
//     heap's mapped pages number 0 (shrunk) or CHURN_PAGES (grown and
//     touched) or, while a round is half done, something between; never
//     more. Every page record lies inside its region.
//  3. Both finish: the child's rounds and the parent's descriptions.
//
// Expected output: "vmmaprace: PASS".

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

// 40 pages 64 KiB apart: spread over 2 MiB page-table spans, so that each
// shrink frees several page tables.
#define CHURN_PAGES  40
#define CHURN_STRIDE (16 * VT_PAGE)
#define CHURN_BYTES  ((intptr_t)CHURN_PAGES * CHURN_STRIDE)
#define MAX_RECORDS  256

static struct osv_vmmap_entry records[MAX_RECORDS];

static void churn(int rounds)
{
    char *base = sbrk(0);
    for (int round = 0; round < rounds; round++) {
        if (sbrk(CHURN_BYTES) != base) {
            vt_fail("churn: sbrk(+%ld) did not return the old break", (long)CHURN_BYTES);
        }
        // All ones: if a page-table page freed by the last shrink is now
        // one of these, a reader still walking it finds entries that look
        // present and point far past memory.
        for (int i = 0; i < CHURN_PAGES; i++) {
            memset(base + (size_t)i * CHURN_STRIDE, 0xff, VT_PAGE);
        }
        if (round % 8 == 0) {
            int pid = fork();
            if (pid == 0) {
                base[0] = 1;
                _exit(0);
            }
            int status;
            if (pid < 0 || wait(pid, &status) != pid || status != 0) {
                vt_fail("churn: fork of a writer failed (%d)", pid);
            }
        }
        if (sbrk(-CHURN_BYTES) != base + CHURN_BYTES) {
            vt_fail("churn: sbrk(-%ld) did not return the grown break", (long)CHURN_BYTES);
        }
    }
}

// Checks one description of the churning child (criterion 2).
static void check_description(int64_t n)
{
    uint64_t heap_pages = 0;
    bool in_heap = false;
    const struct osv_vmmap_entry *region = NULL;
    for (int64_t i = 0; i < n && i < MAX_RECORDS; i++) {
        const struct osv_vmmap_entry *r = &records[i];
        if (r->type == OSV_VMMAP_PAGE) {
            if (region == NULL || r->start < region->start || r->start >= region->end) {
                vt_fail("page record 0x%lx outside its region", (unsigned long)r->start);
            }
            if (r->refs == 0) {
                vt_fail("page record 0x%lx maps frame 0x%lx with no references",
                        (unsigned long)r->start, (unsigned long)r->frame);
            }
            heap_pages += in_heap;
            continue;
        }
        region = r;
        in_heap = r->kind == OSV_VMMAP_HEAP;
    }
    if (heap_pages > CHURN_PAGES) {
        vt_fail("a description had %lu heap pages, more than the churn's %d",
                (unsigned long)heap_pages, CHURN_PAGES);
    }
}

int main(int argc, char **argv)
{
    vt_init("vmmaprace", false);
    int rounds = argc > 1 ? atoi(argv[1]) : 1000;
    int child = fork();
    if (child == 0) {
        churn(rounds);
        _exit(0);
    }
    if (child < 0) {
        vt_fail("fork: %d", child);
    }
    long descriptions = 0;
    for (;;) {
        int64_t n = vmmap(child, OSV_VMMAP_PAGES, records, MAX_RECORDS);
        if (n == ERR_SRCH) {
            break;  // the child has exited
        }
        if (n < 0) {
            vt_fail("vmmap of the child: %ld", (long)n);
        }
        check_description(n);
        descriptions++;
    }
    int status;
    if (wait(child, &status) != child || status != 0) {
        vt_fail("the churning child failed (status %d)", status);
    }
    printf("vmmaprace: %d rounds of churn, %s descriptions\n", rounds,
           descriptions > 0 ? "some" : "no");
    printf("vmmaprace: PASS\n");
    return 0;
}
