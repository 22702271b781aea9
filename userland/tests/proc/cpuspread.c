// cpuspread: processes run on every CPU.
//
// Usage: cpuspread CPUS, where CPUS is the number of CPUs the machine runs
// (QEMU's -smp).
//
// Correctness criteria:
//  1. getcpu() names a CPU that exists: 0 <= cpu < CPUS.
//  2. CPUS children that compute without ever blocking are spread over all
//     the CPUs: each samples getcpu() as it spins for SPIN_TICKS ticks and
//     exits with the set of CPUs it saw (bit n: CPU n); the union over the
//     children is every CPU. (An idle CPU is woken as soon as a thread
//     waits for one, so the spread does not depend on luck: with one CPU
//     per child, a CPU left out would have idled beside a waiting child for
//     the whole run.)
//
// (How much of the time they ran at once is not checked: under an emulator
// the virtual CPUs share the host's cores, so that is the host's business.)
//
// Expected output: "cpuspread: PASS".

#include <osv.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "userland/tests/proc/check.h"

#define MAX_CPUS   8
#define SPIN_TICKS 50

// Spins until tick `end`; returns the set of CPUs it ran on.
static unsigned spin(uint64_t end, int cpus)
{
    unsigned seen = 0;
    while (ticks() < end) {
        int cpu = getcpu();
        if (cpu < 0 || cpu >= cpus) {
            return 0;  // criterion 1, reported by the parent as an empty set
        }
        seen |= 1u << cpu;
    }
    return seen;
}

int main(int argc, char **argv)
{
    check_init("cpuspread");
    int cpus = argc > 1 ? atoi(argv[1]) : 0;
    if (cpus < 1 || cpus > MAX_CPUS) {
        printf("usage: cpuspread CPUS (1..%d)\n", MAX_CPUS);
        return 2;
    }
    int self = getcpu();
    check(self >= 0 && self < cpus, "getcpu() = %d names one of the %d CPUs", self, cpus);

    // Each child's exit status is the set of CPUs it saw (CPUS <= 8 bits).
    uint64_t end = ticks() + SPIN_TICKS;
    for (int i = 0; i < cpus; i++) {
        int pid = fork();
        if (pid == 0) {
            _exit((int)spin(end, cpus));
        }
        check(pid > 0, "fork of child %d returned %d", i, pid);
    }
    unsigned seen = 0;
    for (int i = 0; i < cpus; i++) {
        int status;
        int pid = wait(-1, &status);
        check(pid > 0 && status > 0, "a child saw only CPUs that exist: wait = %d, status %d", pid,
              status);
        seen |= pid > 0 && status > 0 ? (unsigned)status : 0;
    }
    unsigned all = (1u << cpus) - 1;
    check(seen == all, "the children ran on every CPU: saw 0x%x of 0x%x", seen, all);
    return check_finish();
}
