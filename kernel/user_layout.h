#pragma once

// The layout of a user address space, which user programs may rely on:
// program text from USER_REGION_MIN up, the heap right after the program's
// data, and the stack at the top, with a guard gap below it. Part of the
// contract with user programs (kernel/syscall_abi.h includes it); the
// kernel's address spaces (kernel/mm/vm.h, which has the picture) enforce
// it. Only constants, nothing that could clash with a host C library, so
// host tests include it too.

// The size of a page of user memory: regions and the pages vmmap lists are
// multiples of it.
#define USER_PAGE_SIZE 4096ull

// Lowest address a region may start at: the first 4 MiB stay unmapped, so
// that NULL and small offsets from it always fault.
#define USER_REGION_MIN 0x400000ull

// The user stack: USTACK_PAGES pages just below USTACK_UPPERBOUND (exec maps
// the top one; the rest come on demand). The page at the very top of the
// user half stays unmapped.
#define USTACK_UPPERBOUND 0x00007ffffffff000ull
#define USTACK_PAGES      10

// The stack guard gap: USTACK_GUARD_PAGES pages right below the stack that
// no region may ever cover: exec refuses a program reaching into it, and sbrk
// refuses growth into it (ERR_NOMEM). A stack that overflows runs into
// unmapped memory there, and any access in the gap ends the process as a
// stack overflow. The gap is wide (1 MiB, as Linux's default stack guard
// gap) because a function with large locals moves the stack pointer down by
// their whole size at once: with a single guard page, a 48 KiB local array
// would skip it and write into whatever lies below (the heap). Only a frame
// larger than the whole gap can still jump it.
#define USTACK_GUARD_PAGES 256
