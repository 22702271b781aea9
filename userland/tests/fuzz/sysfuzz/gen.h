#pragma once

// Generators of arguments for the fuzzed calls: pointers, sizes,
// descriptors, paths and pids. Pointers come with what the memory model
// says of them (struct uptr), so that the oracle can predict ERR_FAULT.

#include <stdint.h>

#include "userland/tests/fuzz/sysfuzz/memory.h"

// A pointer for a call that reads or writes `want` bytes there: NULL,
// kernel and non-canonical addresses, the stack guard, text, rodata, data,
// stack and heap, and ranges that run off the end of mapped memory.
struct uptr gen_ptr(uint64_t want);

// A byte count: small, around the chunk and page sizes, and huge.
uint64_t gen_size(void);

// A descriptor argument: open ones, closed ones, and values that are not
// descriptors at all. Never one whose low 32 bits name REPORT_FD or
// DIAG_FD, so that even a kernel that truncated would not reach them.
uint64_t gen_fd(void);

// A path for open or exec, in memory we can read back: the initrd's names
// and near misses, random bytes, paths around PATH_MAX_BYTES, strings
// without a NUL before the heap's end, and bad pointers.
struct uptr gen_path(void);

// A pid that names no process: one that has been reaped, or one far beyond
// any handed out.
uint64_t absent_pid(void);
