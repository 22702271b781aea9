// Host stand-in for stopping the machine (arch/machine.h): the test process
// ends, successfully or with abort() (which death tests can expect).

#include <cstdio>
#include <cstdlib>

extern "C" {
#include "arch/machine.h"
}

extern "C" void machine_shutdown(enum machine_exit how)
{
    if (how == MACHINE_EXIT_SUCCESS) {
        std::exit(0);
    }
    std::fprintf(stderr, "machine_shutdown: failure\n");
    std::abort();
}
