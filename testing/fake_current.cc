#include "testing/fake_current.h"

namespace {
struct addrspace *current;
}

void fake_set_current_as(struct addrspace *as)
{
    current = as;
}

extern "C" struct addrspace *as_current(void)
{
    return current;
}
