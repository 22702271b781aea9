// arch/cpus.h on the host: one CPU, number 0, nothing else to stop.

extern "C" {
#include "arch/cpus.h"
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
