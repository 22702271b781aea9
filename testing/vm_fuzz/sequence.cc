// Adding up and printing Stats (see sequence.h).

#include "testing/vm_fuzz/sequence.h"

namespace vm_fuzz {

void Stats::Add(const Stats &o)
{
    for (const StatsField &f : kStatsFields) {
        this->*f.field += o.*f.field;
    }
}

std::string Stats::Format() const
{
    std::string text;
    for (const StatsField &f : kStatsFields) {
        text +=
            (text.empty() ? "" : ", ") + std::string(f.name) + " " + std::to_string(this->*f.field);
    }
    return text;
}

}  // namespace vm_fuzz
