#pragma once

// The worker: one round of fuzzing, in a process of its own that the
// fuzzer forks. It moves its report pipe to REPORT_FD and the console to
// DIAG_FD, opens a few files and pipes, makes a few dozen random
// operations (ops.h), joins its threads (threads.h) and reaps the children
// still pending, writes its report
// (struct report, calls.h) and exits 0. The round's random numbers must
// have been started (rng_start_round).

// Runs the round; report_w is the write end of the report pipe.
_Noreturn void worker(int report_w);
