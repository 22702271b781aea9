#pragma once

// Host stand-in for "the current process" as the memory code sees it:
// as_current() (kernel/mm/vm.h) returns whatever the test set here.

extern "C" {
#include "kernel/mm/vm.h"
}

void fake_set_current_as(struct addrspace *as);
