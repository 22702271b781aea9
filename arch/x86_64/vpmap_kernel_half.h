#pragma once

// The link between the kernel's own page tables (built once at boot by
// arch/x86_64/kernel_map.c) and vpmap.c: every vpmap created afterwards
// copies the kernel half of this PML4, so all address spaces share the
// kernel's mappings.

#include "kernel/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

// Records the PML4 whose upper half (entries 256-511) every new vpmap shares.
// Called once at boot; until then new vpmaps have an empty kernel half (as in
// host tests, where there is no kernel half).
void vpmap_set_kernel_half(paddr_t pml4);

#ifdef __cplusplus
}
#endif
