#pragma once

// Translation between physical addresses and the kernel's virtual addresses.
//
// The kernel maps all physical memory at a fixed offset in the upper half of
// every address space (the direct map), so it can read and write any physical
// page through kmap_p2v. These two functions are the only way portable code
// converts between the two kinds of address; on the host they translate into
// a test's "physical memory" arena (testing/).

#include "kernel/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

// Kernel virtual address at which physical address `paddr` can be accessed.
void *kmap_p2v(paddr_t paddr);

// Physical address behind a kernel virtual address returned by kmap_p2v, or
// an address inside the kernel image (its end included). Panics on any
// other address: a user address, a kernel stack, a host pointer in tests.
paddr_t kmap_v2p(const void *vaddr);

#ifdef __cplusplus
}
#endif
