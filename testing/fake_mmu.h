#pragma once

// Host stand-in for the x86_64 MMU instructions (arch/x86_64/mmu.h). It
// records which root is loaded and which pages were invalidated, for tests to
// check. Both page-table backends report their TLB flushes here: the real
// x86_64 tables (arch/x86_64/vpmap.c, in host tests) and the fake
// (testing/fake_vpmap.cc), so one recorder judges both (see
// testing/vpmap_contract.h) and the fault-handler tests read the flushes the
// way the machine would see them.

#include <vector>

extern "C" {
#include "kernel/addr.h"
}

// Forgets the loaded root (0: none) and all recorded invalidations.
void fake_mmu_reset();

// Pages invalidated (invlpg) since the last call, in order, each as the
// address of its page; forgets them.
std::vector<vaddr_t> fake_mmu_take_invalidations();

// The same, but only those made while `root` was the loaded root; forgets
// those and keeps the others.
std::vector<vaddr_t> fake_mmu_take_invalidations_in(paddr_t root);

// How many times a root was loaded (each drops the whole user-half TLB).
int fake_mmu_root_loads();
