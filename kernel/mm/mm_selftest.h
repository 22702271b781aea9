#pragma once

// A boot-time self-test of pmem and kmalloc on the real machine.
//
// Host tests check pmem and kmalloc against an arena; this checks what only
// the machine can: that every page pmem hands out is reachable and writable
// through kmap_p2v (the direct map covers all of usable memory), and that the
// heap works on it. The boot test `//kernel/selftest:mm_selftest_qemu_test`
// runs it.
//
// What it does:
//  1. allocates every free page, writing into the first and last word of
//     each and chaining them through their first word; reads the chain back,
//     checking that each page holds what was written to it (so no two pages
//     alias), then frees them all;
//  2. kmallocs a batch of blocks of each of several sizes (small and big),
//     fills each block with a pattern, checks the patterns, frees them;
//  3. checks that pmem's free count is back where it started.
// Then it prints one line: "mm_selftest: passed (...)".

#ifdef __cplusplus
extern "C" {
#endif

// Runs the test above. Call after pmem_init and kmalloc_init, with nothing
// else allocating meanwhile. Returns when every check passed; panics with
// the failed check (and the address involved) otherwise.
void mm_selftest(void);

#ifdef __cplusplus
}
#endif
