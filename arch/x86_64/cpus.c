// arch/cpus.h on x86_64, and the stop request of cpu_stop.h.

#include "arch/cpus.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/cycles.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_stop.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"

// How long a panicking CPU waits for the others to confirm. They confirm
// within microseconds unless the NMI is lost; the wait only bounds that case.
#define STOP_WAIT_US 100000

static bool stop_requested;  // atomic
static unsigned stopped;     // atomic: CPUs that confirmed

unsigned cpus_current(void)
{
    return this_cpu()->id;
}

struct cpu_local *cpus_local(void)
{
    return &this_cpu()->local;
}

struct thread *cpus_running_thread(void)
{
    // One %gs-relative load: the CPU it runs on is the one whose slot it
    // reads, however the thread moves before or after.
    struct thread *thread;
    __asm__ volatile("mov %%gs:%c1, %0"
                     : "=r"(thread)
                     : "i"(offsetof(struct cpu, local) + offsetof(struct cpu_local, thread)));
    return thread;
}

void cpus_relax(void)
{
    cpu_relax();
}

bool cpu_stop_requested(void)
{
    return __atomic_load_n(&stop_requested, __ATOMIC_ACQUIRE);
}

_Noreturn void cpu_stop_here(void)
{
    __atomic_fetch_add(&stopped, 1, __ATOMIC_RELEASE);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

unsigned cpus_stop_others(void)
{
    unsigned self = cpus_current();
    unsigned others = 0;
    for (unsigned i = 0; i < cpu_count(); i++) {
        others += i != self && __atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE);
    }
    if (others == 0) {
        return 0;
    }
    __atomic_store_n(&stop_requested, true, __ATOMIC_RELEASE);
    lapic_send_nmi_to_others();
    uint64_t end = rdtsc() + cycles_per_second() / 1000000 * STOP_WAIT_US;
    while (__atomic_load_n(&stopped, __ATOMIC_ACQUIRE) < others && rdtsc() < end) {
        cpu_relax();
    }
    return __atomic_load_n(&stopped, __ATOMIC_ACQUIRE);
}
