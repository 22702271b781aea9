#pragma once

// Boot-time self-test of pipes (kernel command line selftest=pipe): what the
// host cannot run, because pipe ends block, with kernel threads as reader
// and writer. Needs the scheduler and the timer running. Prints its findings
// (see the criteria in pipe_selftest.c); returns true when every check
// passed.

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

bool pipe_selftest(void);

#ifdef __cplusplus
}
#endif
