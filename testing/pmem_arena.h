#pragma once

// The host's "physical memory": an arena of pages for pmem to manage.
//
// pmem_arena_create(n) takes n page-aligned pages from the host allocator and
// makes them physical addresses [0, n * PAGE_SIZE): testing/fake_kmap.cc
// translates between those and the arena's host addresses, so kernel code
// that reaches memory only through kmap_p2v/kmap_v2p (arch/kmap.h) reads and
// writes real bytes. It also describes the arena to pmem_init as a boot
// loader would, with the awkward cases pmem must handle:
//
//   physical page   what the memory map and boot_info say
//   0 .. 3          usable (page 0 is usable here; pmem must skip it anyway)
//   4 .. 6          reserved hole: [4 pages, 6 pages + 0x800)
//   7 .. n-2        usable: [6 pages + 0x800, n-1 pages + 0x400), so only
//                   pages 7 .. n-2 are whole pages of it
//     8 .. 11       the fake kernel image [8 pages, 11 pages + 0x123)
//     12            the kernel command line, at 12 pages + 0x40
//     13 .. 14      one boot module [13 pages, 14 pages + 0x321)
//     15            the module's name, at 15 pages + 0x80
//   n-1             reserved from 0x400 into the page to the end
//   (far away)      reserved [0xfd00000000, +1 GiB), outside the arena, as
//                   QEMU reports it; nothing may ever touch it
//
// So n - 4 pages are usable, of which 1 (page 0) + 4 (kernel) + 2 (module) +
// 2 (boot strings) are not pmem's to hand out, and pmem's own page array
// takes some more.
//
// There is one arena at a time (kmap_p2v has no context to pick one), and
// these functions are not thread-safe: host tests are single-threaded.

#include <cstddef>

extern "C" {
#include "kernel/addr.h"
#include "kernel/boot_info.h"
}

// Smallest arena pmem_arena_create accepts: the layout above needs 16 pages,
// and pmem needs some free ones.
constexpr size_t kPmemArenaMinPages = 32;

// Creates the arena of `pages` pages (>= kPmemArenaMinPages; aborts
// otherwise), replacing any previous one. Its bytes are filled with 0xa5, not
// zero, so code that assumes fresh pages are zero shows up.
void pmem_arena_create(size_t pages);

// Gives the arena back to the host allocator. kmap_p2v and kmap_v2p panic
// until the next pmem_arena_create. Harmless when there is no arena.
void pmem_arena_destroy(void);

// The boot information describing the arena (the table above). A test may
// change it before passing it to pmem_init, to build other memory maps; the
// next pmem_arena_create resets it. Every pointer in it points into the arena.
struct boot_info *pmem_arena_boot_info(void);

// Whole pages inside the usable ranges of the arena's original map: pages - 4.
size_t pmem_arena_usable_pages(void);

// Size of the arena in pages (0 when there is none), and its host address.
size_t pmem_arena_pages(void);
unsigned char *pmem_arena_base(void);

// True when [paddr, paddr + length) lies inside the arena.
bool pmem_arena_contains(paddr_t paddr, size_t length);
