// Delta debugging (see shrink.h).

#include "testing/vm_fuzz/shrink.h"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace vm_fuzz {

std::vector<Op> Shrink(std::vector<Op> ops,
                       const std::function<bool(const std::vector<Op> &)> &still_fails,
                       size_t max_tries)
{
    size_t tries = 0;
    auto without = [](const std::vector<Op> &v, size_t begin, size_t end) {
        std::vector<Op> rest(v.begin(), v.begin() + static_cast<ptrdiff_t>(begin));
        rest.insert(rest.end(), v.begin() + static_cast<ptrdiff_t>(end), v.end());
        return rest;
    };
    // ddmin on complements: drop one of n chunks at a time.
    size_t n = 2;
    while (ops.size() >= 2 && tries < max_tries) {
        size_t chunk = (ops.size() + n - 1) / n;
        bool reduced = false;
        for (size_t begin = 0; begin < ops.size() && tries < max_tries; begin += chunk) {
            std::vector<Op> rest = without(ops, begin, std::min(ops.size(), begin + chunk));
            tries++;
            if (still_fails(rest)) {
                ops = std::move(rest);
                n = std::max<size_t>(n - 1, 2);
                reduced = true;
                break;
            }
        }
        if (!reduced) {
            if (n >= ops.size()) {
                break;
            }
            n = std::min(ops.size(), 2 * n);
        }
    }
    // Then single operations, until no removal keeps it failing.
    for (bool reduced = true; reduced && tries < max_tries;) {
        reduced = false;
        for (size_t i = ops.size(); i-- > 0 && tries < max_tries;) {
            std::vector<Op> rest = without(ops, i, i + 1);
            tries++;
            if (still_fails(rest)) {
                ops = std::move(rest);
                reduced = true;
            }
        }
    }
    return ops;
}

}  // namespace vm_fuzz
