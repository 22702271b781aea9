#pragma once

// Address types. A physical address and a virtual address are both 64-bit
// numbers, but mixing them up is the classic kernel bug, so they get distinct
// names; converting between them goes through kmap_p2v/kmap_v2p (arch/kmap.h).

#include <stdint.h>

typedef uint64_t paddr_t;  // physical address
typedef uint64_t vaddr_t;  // virtual address
