// arch/cpus.h on the host: several CPUs, one running at a time, calls run
// at once in the caller's stead (see fake_cpus.h).

#include "testing/fake_cpus.h"

extern "C" {
#include "arch/cpus.h"
#include "kernel/panic.h"
}

namespace {

struct cpu_local locals[kFakeCpusMax];
unsigned count = 1;
unsigned current = 0;
bool calls_lost = false;

// Runs fn(arg) as CPU `cpu`, then goes back to the caller's.
void RunOn(unsigned cpu, cpus_call_fn *fn, void *arg)
{
    if (calls_lost) {
        return;
    }
    unsigned caller = current;
    current = cpu;
    fn(arg);
    current = caller;
}

}  // namespace

void fake_cpus_reset()
{
    count = 1;
    current = 0;
    calls_lost = false;
}

void fake_cpus_set_count(unsigned n)
{
    if (n < 1 || n > kFakeCpusMax || current >= n) {
        panic("fake_cpus_set_count: %u CPUs (1 .. %u, cpu %u running)", n, kFakeCpusMax, current);
    }
    count = n;
}

unsigned fake_cpus_count()
{
    return count;
}

void fake_cpus_set_current(unsigned cpu)
{
    if (cpu >= count) {
        panic("fake_cpus_set_current: no cpu %u (%u CPUs)", cpu, count);
    }
    current = cpu;
}

void fake_cpus_lose_calls(bool lose)
{
    calls_lost = lose;
}

struct cpu_local *cpus_local(void)
{
    return &locals[current];
}

struct thread *cpus_running_thread(void)
{
    return locals[current].thread;
}

unsigned cpus_current(void)
{
    return current;
}

void cpus_relax(void)
{
}

void cpus_call(unsigned cpu, cpus_call_fn *fn, void *arg)
{
    if (cpu >= count || cpu == current) {
        panic("cpus_call: cpu %u is not another online CPU (the caller is cpu %u)", cpu, current);
    }
    RunOn(cpu, fn, arg);
}

unsigned cpus_call_many(cpus_mask_t targets, cpus_call_fn *fn, void *arg)
{
    unsigned ran = 0;
    for (unsigned cpu = 0; cpu < count; cpu++) {
        if ((targets & cpus_mask_of(cpu)) != 0 && cpu != current) {
            RunOn(cpu, fn, arg);
            ran++;
        }
    }
    return ran;
}

unsigned cpus_call_others(cpus_call_fn *fn, void *arg)
{
    return cpus_call_many(~cpus_mask_t{0}, fn, arg);
}

void cpus_call_poll(void)
{
}

void cpus_kick(unsigned cpu)
{
    panic("cpus_kick: no cpu %u besides the caller's", cpu);
}

unsigned cpus_stop_others(void)
{
    return 0;
}
