// forkkill: kill() racing fork, made to happen on every run.
//
// fork takes the child's table slot and pid first, then copies the parent's
// memory and makes the child's thread. Until it is done, the child does not
// exist for anyone else (kernel/proc.h): kill of its pid must fail with
// ERR_SRCH and must never reach the half-built process (that used to panic
// the kernel: kill went for a thread that did not exist yet).
//
// How the race is hit: the test runs on two CPUs (BUILD.bazel). A sibling,
// the killer, spins calling kill() on the pid the child will get, on one
// CPU, while the parent forks on the other, with a heap big enough that
// fork's copy of it takes a while. The killer can tell when it is inside
// the window: sysinfo counts the child's slot (processes one above the
// killer's baseline) while kill still answers ERR_SRCH. It reports how
// often that happened. Should it never get there (the host ran the two
// virtual CPUs one after the other), the parent doubles its heap and tries
// again, up to MAX_HEAP_MIB, and fails if the window was never hit. (On one
// CPU the killer got inside by preemption: a fork longer than a scheduling
// slice. Fork became too quick for that, a 1 GiB heap in one tick.)
//
// Correctness criteria:
//  1. kill of the pid of a child that fork is still building returns
//     ERR_SRCH, and the kernel goes on.
//  2. The window was hit: the killer saw that state at least once.
//  3. Once fork is done, kill of the child succeeds: wait reports the child
//     EXIT_STATUS_KILLED, and fork returned the pid the killer aimed at.
//  4. The killer gets no other answer from kill than ERR_SRCH and 0.
//  5. Afterwards the parent goes on.
//
// Runs without vmcheck: the heap takes tens of thousands of page faults, and
// the checker would walk every page after each.

#include <osv.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define PAGE_SIZE      4096
#define MIB            (1024 * 1024)
#define FIRST_HEAP_MIB 32
#define MAX_HEAP_MIB   1024

// The killer's exit statuses besides a hit count (1..HITS_CAP).
#define KILLER_MISSED 0    // never inside the window
#define KILLER_ODD    255  // kill returned something other than ERR_SRCH or 0
#define HITS_CAP      250

static uint64_t processes(void)
{
    struct osv_sysinfo info;
    sysinfo(&info);
    return info.processes;
}

// The killer: tells the parent it has its baseline, then kills `target`
// until that succeeds.
static _Noreturn void killer(int target, int ready_fd)
{
    uint64_t baseline = processes();  // init, the parent and this process
    char go = 'k';
    write(ready_fd, &go, 1);
    unsigned hits = 0;
    for (;;) {
        uint64_t now = processes();
        int result = kill(target);
        if (result == 0) {
            break;
        }
        if (result != ERR_SRCH) {
            _exit(KILLER_ODD);
        }
        if (now == baseline + 1 && hits < HITS_CAP) {
            hits++;  // the child's slot is taken, and kill did not find it
        }
    }
    _exit((int)hits);
}

// One attempt with the heap as it is. Returns the killer's hit count (0: the
// window was missed).
static int attempt(size_t heap_mib)
{
    int ready[2];
    if (!check_result(pipe(ready), 0, "pipe")) {
        return 0;
    }
    int killer_pid = fork();
    if (killer_pid == 0) {
        close(ready[0]);
        killer(getpid() + 1, ready[1]);
    }
    check(killer_pid > 0, "fork of the killer returned %d", killer_pid);
    close(ready[1]);
    char go;
    check_result(read(ready[0], &go, 1), 1, "the killer is ready");
    close(ready[0]);

    uint64_t before = ticks();
    int child = fork();
    if (child == 0) {
        // Killed at once: before its first instruction or in this sleep.
        sleep(1000000);
        printf("forkkill: FAIL: the child was not killed\n");
        _exit(0);
    }
    uint64_t took = ticks() - before;
    check_result(child, killer_pid + 1, "fork returned the pid the killer aims at");

    int status = 0;
    check_result(wait(child, &status), child, "wait for the child");
    check_result(status, EXIT_STATUS_KILLED, "the child's status");
    check_result(wait(killer_pid, &status), killer_pid, "wait for the killer");
    check(status != KILLER_ODD, "kill answered something other than ERR_SRCH or 0");
    int hits = status == KILLER_ODD ? 0 : status;
    printf("forkkill: %zu MiB heap: fork took %llu ticks; kill found the child half built %d%s "
           "times\n",
           heap_mib, (unsigned long long)took, hits, hits == HITS_CAP ? " or more" : "");
    return hits;
}

int main(void)
{
    check_init("forkkill");
    char *heap = sbrk(0);
    size_t heap_mib = 0;
    int hits = 0;
    for (size_t want = FIRST_HEAP_MIB; want <= MAX_HEAP_MIB && hits == 0; want *= 2) {
        if (!check(sbrk((intptr_t)((want - heap_mib) * MIB)) != (void *)-1, "sbrk to %zu MiB",
                   want)) {
            break;
        }
        for (size_t off = heap_mib * MIB; off < want * MIB; off += PAGE_SIZE) {
            heap[off] = 1;
        }
        heap_mib = want;
        hits = attempt(heap_mib);
    }
    check(hits > 0, "kill ran while fork was building the child (window hit)");
    printf("forkkill: kill of a half-built child: ERR_SRCH; of the finished child: killed\n");
    return check_finish();
}
