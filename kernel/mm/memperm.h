#pragma once

// Access permissions of memory: what a mapping or a memory region allows.
//
// A permission is a set of bits. One permission is "no stronger" than another
// when its bits are a subset of the other's (memperm_allows). Kernel-only
// permissions lack MEMPERM_USER. Readable is implied by any mapping: x86
// cannot map a page write-only or execute-only.

#include <stdbool.h>

typedef enum {
    MEMPERM_READ = 1 << 0,
    MEMPERM_WRITE = 1 << 1,
    MEMPERM_EXEC = 1 << 2,
    MEMPERM_USER = 1 << 3,  // accessible from user mode

    MEMPERM_UR = MEMPERM_USER | MEMPERM_READ,                   // user read-only data
    MEMPERM_URW = MEMPERM_USER | MEMPERM_READ | MEMPERM_WRITE,  // user data, heap, stack
    MEMPERM_URX = MEMPERM_USER | MEMPERM_READ | MEMPERM_EXEC,   // user text
} memperm_t;

// True when every right in `wanted` is also in `granted`.
static inline bool memperm_allows(memperm_t granted, memperm_t wanted)
{
    return (wanted & ~granted) == 0;
}

// `perm` without the right to write.
static inline memperm_t memperm_read_only(memperm_t perm)
{
    return (memperm_t)(perm & ~MEMPERM_WRITE);
}
