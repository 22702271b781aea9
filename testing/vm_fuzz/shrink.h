#pragma once

// Shrinking a failing sequence to the few operations that matter. It needs
// nothing of the fuzzer but that any subsequence of operations still runs
// (ops.h), so it takes the failure test as a function.

#include <cstddef>
#include <functional>
#include <vector>

#include "testing/vm_fuzz/ops.h"

namespace vm_fuzz {

// Delta debugging (ddmin, then one-by-one removal): a subsequence of `ops`
// for which still_fails holds, which no single removal keeps failing, within
// max_tries calls of still_fails.
std::vector<Op> Shrink(std::vector<Op> ops,
                       const std::function<bool(const std::vector<Op> &)> &still_fails,
                       size_t max_tries);

}  // namespace vm_fuzz
