#pragma once

// A fork without copy-on-write: every mapped page copied at once. Not what
// osv's fork does (as_copy, kernel/mm/vm.h); the kernel command line's
// `fork=eager` selects it so that benchmarks (tools/bench) measure both
// kinds of fork in the same kernel.

#include "kernel/err.h"
#include "kernel/mm/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

// Creates *out with src's regions and break, and a private copy of every
// page src maps (with its region's permission); src is untouched. ERR_NOMEM
// when memory for tables, regions or copies runs out: then everything taken
// for the child is released.
err_t as_copy_eager(struct addrspace *src, struct addrspace **out) MUST_CHECK;

#ifdef __cplusplus
}
#endif
