// arch/cpus.h on the host: one CPU, number 0, nothing else to stop.

extern "C" {
#include "arch/cpus.h"
#include "kernel/panic.h"
}

namespace {
struct cpu_local the_cpu;
}

struct cpu_local *cpus_local(void)
{
    return &the_cpu;
}

unsigned cpus_current(void)
{
    return 0;
}

void cpus_relax(void)
{
}

void cpus_call(unsigned cpu, cpus_call_fn *fn, void *arg)
{
    (void)fn;
    (void)arg;
    panic("cpus_call: no cpu %u besides the caller's", cpu);
}

unsigned cpus_call_others(cpus_call_fn *fn, void *arg)
{
    (void)fn;
    (void)arg;
    return 0;
}

void cpus_kick(unsigned cpu)
{
    panic("cpus_kick: no cpu %u besides the caller's", cpu);
}

unsigned cpus_stop_others(void)
{
    return 0;
}
