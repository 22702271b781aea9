#pragma once

// Host stand-in for the x86_64 MMU instructions (arch/x86_64/mmu.h), so the
// real page-table code (arch/x86_64/vpmap.c) runs in host tests. It records
// which root is loaded and which pages were invalidated, for tests to check.

#include <vector>

extern "C" {
#include "kernel/addr.h"
}

// Forgets the loaded root and all recorded invalidations.
void fake_mmu_reset();

// Pages invalidated (invlpg) since the last call, in order; forgets them.
std::vector<vaddr_t> fake_mmu_take_invalidations();

// How many times a root was loaded (each drops the whole user-half TLB).
int fake_mmu_root_loads();
