#pragma once

// Self-test of TLB shootdowns (arch/vpmap.h: every CPU that has a page table
// loaded drops the translations a change makes stale), run at boot with at
// least 3 CPUs online (kernel command line selftest=tlb). The boot CPU runs
// it with interrupts on, and nothing else runs meanwhile.
//
// Each case builds a page table `v` mapping pages of known contents at a
// user address. CPU 1 loads v and reads the pages through it (the kernel
// reads user pages directly: no SMAP), so that its TLB caches their
// translations: under QEMU's TCG every virtual CPU keeps a TLB that no other
// CPU's page-table store invalidates, only its own invlpg or CR3 load. Then,
// v still loaded, CPU 1 has CPU 2 change the mapping through vpmap (a
// cross-CPU call); the shootdown that change makes must reach CPU 1, which
// runs the flush while it waits for CPU 2. CPU 1 then reads the pages again,
// loads the kernel's table back (the one its idle loop had) and returns.
// Without the shootdown, CPU 1 still reads the old frames.
//
// Criteria checked:
//  1. replace: a frame replaced (copy-on-write's step) is read as the new
//     frame on CPU 1; one shootdown round, one call.
//  2. unmap, then map another frame: the new frame's contents, not the old
//     frame's; the old frame is handed back (vpmap_unmap's callback); one
//     round.
//  3. unmap of 40 pages handed back, then 40 new frames: every page read
//     new; rounds of at most 32 pages: two.
//  4. unmap of 40 pages not handed back: one round, a whole flush.
//  5. replace with v loaded on CPU 2 too: both read the new frame (CPU 2
//     flushed itself, CPU 1 by call); one round, one call.
//  6. No page leaks: free pages are back where they started.

#include <stdbool.h>

// Checks criteria 1 to 6, printing a line per case; true when all held.
// Needs 3 CPUs online.
bool tlb_selftest(void);
