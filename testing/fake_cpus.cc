// arch/cpus.h on the host: one CPU, number 0, nothing else to stop.

extern "C" {
#include "arch/cpus.h"
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

unsigned cpus_stop_others(void)
{
    return 0;
}
