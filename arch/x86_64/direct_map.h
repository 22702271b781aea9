#pragma once

// Where the direct map of physical memory starts: the first address of the
// upper half (PML4 entry 256). Physical p is at DIRECT_MAP_BASE + p.
#define DIRECT_MAP_BASE 0xFFFF800000000000ull
