// threadchurn: threads that start, end and are joined, over and over, on
// several CPUs; sysfuzz found that this crashed the kernel under -smp 2
// and 4.
//
//   threadchurn ROUNDS THREADS
//
// Each round the first thread starts THREADS threads (1..THREADS_MAX-1),
// each of which returns its index at once, and joins them. With several
// CPUs the new threads run, end and have their kernel stacks freed on
// other CPUs than the one that created them, and the next round's threads
// get the same kernel stack slots again.
//
// What went wrong (under -smp 4, 3000 rounds of 4 threads: in five runs out
// of five, within a second; under -smp 2 too): the kernel panicked with
// "unexpected #PF (page fault) in kernel mode at rip 0x0", its rsp just
// below the top of a kernel stack slot and every other register 0 (a new
// thread's first switch, to a context that was not there), or with
// "spinlock sched: acquired while already held (by this CPU, N)" from the
// timer tick, or "thread_exit: an exited thread ran again", or the machine
// reset. kstack_free unmapped a stack's pages, global mappings, with an
// invlpg on the freeing CPU only: a CPU that had touched the stack before
// (the creator, which wrote its first context there) kept the old
// translation, and when the slot was mapped again to fresh frames it wrote
// the new thread's context into the freed frame. Kernel stacks are now
// flushed from every CPU's TLB before their frames are freed.
//
// Correctness criteria:
//  1. Every thread_create returns a tid and every thread_join returns it,
//     with the thread's index as its status.
//  2. The kernel survives ROUNDS rounds.
//
// Expected output: "threadchurn: PASS".

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>

#define STACK_SIZE 1024

static char stacks[THREADS_MAX][STACK_SIZE] __attribute__((aligned(16)));

static int return_index(void *index)
{
    return (int)(long)index;
}

int main(int argc, char **argv)
{
    int rounds = argc == 3 ? atoi(argv[1]) : 0;
    int threads = argc == 3 ? atoi(argv[2]) : 0;
    if (rounds < 1 || threads < 1 || threads >= THREADS_MAX) {
        printf("usage: threadchurn ROUNDS THREADS (1..%d)\n", THREADS_MAX - 1);
        return 2;
    }
    for (int r = 0; r < rounds; r++) {
        int tids[THREADS_MAX];
        for (int i = 0; i < threads; i++) {
            tids[i] = thread_create(return_index, (void *)(long)i, stacks[i], STACK_SIZE);
            if (tids[i] <= 0) {
                printf("threadchurn: FAIL: round %d: thread_create returned %d\n", r, tids[i]);
                return 1;
            }
        }
        for (int i = 0; i < threads; i++) {
            int status = -1;
            int got = thread_join(tids[i], &status);
            if (got != tids[i] || status != i) {
                printf("threadchurn: FAIL: round %d: join of thread %d returned %d, status %d\n", r,
                       tids[i], got, status);
                return 1;
            }
        }
    }
    printf("threadchurn: every thread started, returned its index and was joined\n");
    printf("threadchurn: PASS\n");
    return 0;
}
