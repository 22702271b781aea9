#pragma once

// The generator, in two halves. Generate picks the next operation as the
// sequence runs: its kind and process by weights that keep processes alive
// long enough to fork, share and fill memory, and two random words. The
// functions after it turn those words into concrete choices (a program's
// layout, an sbrk increment, the address a touch goes to) when the
// operation is interpreted, against the state it meets then: that is what
// lets any subsequence of a sequence replay.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "testing/vm_fuzz/model.h"
#include "testing/vm_fuzz/ops.h"
#include "testing/vm_fuzz/rng.h"

namespace vm_fuzz {

// The next operation, given how many processes live and which one runs on
// each CPU (-1: none, the kernel's page table is loaded there): on which CPU
// it runs (with several), and mostly for the process running there, or,
// often, for one running on another CPU.
Op Generate(Rng &rng, size_t procs, const std::vector<int> &running);

// The program a spawn or exec loads, from its word a: 1 to 3 code pages, 1
// to 3 data pages of which some are loaded and the rest bss, the heap right
// after.
Layout LayoutFrom(uint64_t a);

// An sbrk's increment, from op.a (which kind) and op.b (how much): small
// steps up and down, back to the heap start or past it, huge, exactly to the
// stack guard, the int64_t extremes.
int64_t SbrkIncrement(const Proc &p, const Op &op);

// Where a touch goes, by a % 100 (TargetOf). Most touches are to memory the
// process may use, so that processes live long enough to fork, share and
// fill memory; about one in ten goes somewhere it must die for.
enum class Target { kHeap, kWritten, kStack, kData, kCode, kReach, kEdge, kWild };

Target TargetOf(uint64_t a);

// The address a touch with word a goes to in p.
vaddr_t PickAddress(const Proc &p, uint64_t a);

}  // namespace vm_fuzz
