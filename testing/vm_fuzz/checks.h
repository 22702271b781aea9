#pragma once

// The checks made at rest points, between operations, when nothing is half
// done. (Each access, fault verdict and system call result is judged as it
// happens, by the interpreter: system.h.)
//
// Each returns what it found as a Failure's category and message, or nothing.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "testing/vm_fuzz/model.h"

namespace vm_fuzz {

struct Finding {
    std::string category;
    std::string message;
};

// After every step: vm_check (kernel/mm/vm_check.h) finds no violation, the
// registry holds exactly the `procs` live processes' address spaces, and
// every allocated page is accounted for: mapped pages + page-table pages +
// kmalloc_pages_held() + the checker's pages == pmem's allocated pages.
std::optional<Finding> CheckKernel(size_t procs);

// Every Config::verify_every steps and at the end of a sequence: each heap
// and break are where the model has them, every mapped page of every process
// holds what the model says, and every byte a process wrote is still mapped.
std::optional<Finding> CheckMemory(const std::vector<Proc> &procs);

// At the end of a sequence, with every process gone: no address space is
// registered, and pmem's free pages are back at baseline_free (so no page
// table or kmalloc'd struct leaked).
std::optional<Finding> CheckNothingLeft(size_t baseline_free);

}  // namespace vm_fuzz
