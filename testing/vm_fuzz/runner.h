#pragma once

// Running one sequence, in a child process (fork), so that a kernel panic
// (abort), a crash or a hang is a failure to report rather than the end of
// the run, and every sequence starts on a clean host process. A child that
// runs longer than 30 s is a "timeout"; one that dies is a "crash".

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "testing/vm_fuzz/ops.h"
#include "testing/vm_fuzz/sequence.h"

namespace vm_fuzz {

// What running one sequence in a child process gave.
struct SequenceResult {
    std::vector<Op> ops;  // the operations run (generated ones included)
    Failure failure;
    Stats stats;
    std::string output;  // what the child printed (vmcheck lines, panics, traces)
};

// Generates and runs `length` operations from `seed` in a child process.
SequenceResult GenerateAndRun(uint64_t seed, size_t length, const Config &config);

// Runs exactly `ops` in a child process.
SequenceResult Replay(const std::vector<Op> &ops, const Config &config);

}  // namespace vm_fuzz
