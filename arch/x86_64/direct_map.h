#pragma once

// Where the direct map of physical memory starts: the first address of the
// upper half (PML4 entry 256). Physical p is at DIRECT_MAP_BASE + p.
#define DIRECT_MAP_BASE 0xFFFF800000000000ull

// How much RAM the direct map covers: physical 0 .. DIRECT_MAP_SIZE, all of
// it always mapped (boot.S maps exactly this much with 2 MiB pages).
#define DIRECT_MAP_SIZE 0x40000000ull  // 1 GiB
