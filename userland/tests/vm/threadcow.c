// threadcow: copy-on-write and the heap with threads on several CPUs, where
// a stale TLB entry on another CPU would show.
//
// Usage: threadcow [ROUNDS]. Run with several CPUs.
//
// Correctness criteria:
//  1. Fork beside a writer: a thread keeps writing a counter while another
//     thread of the same process forks, ROUNDS times. Each child's copy of
//     the counter stands still: fork write-protected the page in the parent
//     on every CPU before the child ran (a CPU that kept a writable entry
//     would write into the page the child now shares).
//  2. Concurrent copy-on-write writers: after a fork, WRITERS threads in the
//     parent and WRITERS in the child write, all at once, their own slot in
//     each of SHARED_PAGES shared pages, many times. At the end every slot
//     in each process holds that process's last value for it: no write was
//     lost to another thread's copy of the same page, and no write crossed
//     into the other process.
//  3. sbrk shrink while a sibling reads: a thread reads a heap page in a
//     loop while another shrinks the heap below it. Once sbrk has
//     returned, the page is gone on every CPU: the reader's next read
//     faults and ends the process (EXIT_STATUS_KILLED), never reads the
//     freed frame.
//  4. Nothing leaks: free pages are back to where they were before.
//
// Expected output: "threadcow: PASS".

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/tests/vm/vmtest.h"

#define STACK_SIZE   8192
#define WRITERS      3
#define SHARED_PAGES 16
#define WRITES       2000

static char stacks[THREADS_MAX][STACK_SIZE] __attribute__((aligned(16)));

// Criterion 1: one page for the counter alone.
static volatile long counter __attribute__((aligned(4096)));
static volatile int stop;

// Criterion 2: each writer owns one slot (a long) in each shared page.
static volatile long shared[SHARED_PAGES][VT_PAGE / sizeof(long)] __attribute__((aligned(4096)));

static int count_forever(void *unused)
{
    (void)unused;
    while (!stop) {
        counter++;
    }
    return 0;
}

static void fork_beside_a_writer(int rounds)
{
    stop = 0;
    int writer = thread_create(count_forever, NULL, stacks[0], STACK_SIZE);
    VT_CHECK(writer > 0, "thread_create of the writer: %d", writer);
    for (int round = 0; round < rounds; round++) {
        while (counter == 0) {
        }
        int pid = fork();
        if (pid == 0) {
            long seen = counter;
            for (int i = 0; i < 20000; i++) {
                if (counter != seen) {
                    _exit(1);
                }
            }
            _exit(0);
        }
        VT_CHECK(pid > 0, "fork: %d", pid);
        int status = -2;
        VT_EXPECT_EQ(wait(pid, &status), pid, "wait");
        VT_CHECK(status == 0, "round %d: the child's copy of the counter moved (status %d)", round,
                 status);
    }
    stop = 1;
    VT_EXPECT_EQ(thread_join(writer, NULL), writer, "join of the writer");
}

// A writer's slot index and the value it writes: distinct per process,
// writer and write.
struct writer {
    int slot;
    long base;
};

static int write_slots(void *arg)
{
    const struct writer *w = arg;
    for (long n = 1; n <= WRITES; n++) {
        for (int page = 0; page < SHARED_PAGES; page++) {
            shared[page][w->slot] = w->base + n;
        }
    }
    return 0;
}

// Runs WRITERS writers with values from `base` and checks every slot.
static bool write_concurrently(long base)
{
    static struct writer writers[WRITERS];
    int tids[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        writers[i] = (struct writer){.slot = i * 8, .base = base + i * 1000000};
        tids[i] = thread_create(write_slots, &writers[i], stacks[1 + i], STACK_SIZE);
        VT_CHECK(tids[i] > 0, "thread_create of writer %d: %d", i, tids[i]);
    }
    for (int i = 0; i < WRITERS; i++) {
        VT_EXPECT_EQ(thread_join(tids[i], NULL), tids[i], "join of a writer");
    }
    bool ok = true;
    for (int page = 0; page < SHARED_PAGES; page++) {
        for (int i = 0; i < WRITERS; i++) {
            long want = writers[i].base + WRITES;
            if (shared[page][writers[i].slot] != want) {
                printf("threadcow: page %d slot %d holds %ld, not %ld\n", page, writers[i].slot,
                       shared[page][writers[i].slot], want);
                ok = false;
            }
        }
    }
    return ok;
}

static void concurrent_cow_writers(void)
{
    vt_touch_write((uintptr_t)shared, (uintptr_t)shared + sizeof(shared));
    int pid = fork();
    if (pid == 0) {
        _exit(write_concurrently(2000000000) ? 0 : 1);
    }
    VT_CHECK(pid > 0, "fork: %d", pid);
    bool ok = write_concurrently(1000000000);
    int status = -2;
    VT_EXPECT_EQ(wait(pid, &status), pid, "wait");
    VT_CHECK(ok, "a parent's write was lost or overwritten");
    VT_CHECK(status == 0, "a child's write was lost or overwritten (status %d)", status);
}

// Criterion 3.
static volatile char *heap_page;
static volatile int shrunk;
static volatile int read_after_shrink;

static int read_forever(void *unused)
{
    (void)unused;
    for (;;) {
        int after = __atomic_load_n(&shrunk, __ATOMIC_ACQUIRE);
        char c = heap_page[0];
        if (after) {
            read_after_shrink = c;  // must not get here: the read faults
        }
    }
}

static int shrink_under_a_reader(void)
{
    heap_page = (volatile char *)vt_sbrk(VT_PAGE);
    heap_page[0] = 'h';
    int reader = thread_create(read_forever, NULL, stacks[0], STACK_SIZE);
    VT_CHECK(reader > 0, "thread_create of the reader: %d", reader);
    sleep(2);
    vt_sbrk(-(intptr_t)VT_PAGE);
    __atomic_store_n(&shrunk, 1, __ATOMIC_RELEASE);
    sleep(5);
    return read_after_shrink != 0 ? 1 : 2;  // either way: the reader should have ended us
}

int main(int argc, char **argv)
{
    vt_init("threadcow", false);
    int rounds = argc > 1 ? atoi(argv[1]) : 50;
    struct osv_sysinfo before;
    vt_settle(&before);

    fork_beside_a_writer(rounds);
    printf("threadcow: %d forks beside a writer: every child's copy stood still\n", rounds);

    concurrent_cow_writers();
    printf("threadcow: %d writers in each of two processes on %d shared pages: no write lost\n",
           WRITERS, SHARED_PAGES);

    int pid = fork();
    if (pid == 0) {
        _exit(shrink_under_a_reader());
    }
    int status = -2;
    VT_EXPECT_EQ(wait(pid, &status), pid, "wait");
    VT_CHECK(status == EXIT_STATUS_KILLED,
             "a read after the shrink %s (status %d, expected EXIT_STATUS_KILLED)",
             status == 1 ? "succeeded" : "did not fault", status);
    printf("threadcow: a read after sbrk shrank the heap faulted\n");

    sleep(2);  // the joined threads' kernel stacks are freed once their CPUs move on
    struct osv_sysinfo after;
    vt_settle(&after);
    VT_EXPECT_EQ(after.free_pages, before.free_pages, "free pages after all");
    return vt_pass();
}
