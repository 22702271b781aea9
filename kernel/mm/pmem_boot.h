#pragma once

// Setting pmem (kernel/mm/pmem.h) up at boot: which pages of the boot
// loader's memory map it manages.

#include <stddef.h>

#include "kernel/addr.h"
#include "kernel/boot_info.h"

#ifdef __cplusplus
extern "C" {
#endif

// Takes over the usable memory described by `info` (see above). Reinitializes
// from scratch if called again (host tests do, once per test).
//
// A page is usable when it lies wholly inside a MEM_USABLE range of the map.
// Of those, pmem keeps for itself or leaves alone, never handing them out:
//  - physical page 0, so that physical address 0 never names a valid page;
//  - the pages of the kernel image [kernel_start, kernel_end);
//  - the pages of each boot module;
//  - the pages holding the command line and the module names, which
//    boot_info promises stay valid for the kernel's lifetime;
//  - usable pages that another range of the map says are not usable;
//  - the struct page array itself, carved from the lowest usable place
//    where it fits.
// Any page one of these touches is excluded whole. Every other usable page
// goes on the free list. pmem_get_init_counts reports the division.
//
// Pages come out of pmem_alloc in ascending address order at first, so the
// earliest allocations are low in memory.
//
// Panics if the map has no usable page, or if no usable stretch is large
// enough for the struct page array. kmap_p2v must work for every usable page.
void pmem_init(const struct boot_info *info);

// How pmem_init divided the usable pages. The figures add up exactly:
// usable == free + kernel_image + page_structs + modules + boot_data + reserved,
// each excluded page counted once, under the first of these that claims it:
// reserved (page 0), kernel_image, modules, boot_data, reserved (other map
// ranges), page_structs.
struct pmem_init_counts {
    size_t usable;               // distinct whole pages in MEM_USABLE ranges
    size_t free;                 // put on the free list by pmem_init
    size_t kernel_image;         // [kernel_start, kernel_end)
    size_t page_structs;         // the struct page array
    size_t modules;              // boot modules
    size_t boot_data;            // the command line and module name strings
    size_t reserved;             // page 0, and usable pages another range marks unusable
    paddr_t page_structs_paddr;  // where the struct page array starts
};

// Copies the figures of the last pmem_init into *counts. They describe the
// moment of pmem_init; pmem_free_pages() is the current free count.
void pmem_get_init_counts(struct pmem_init_counts *counts);

#ifdef __cplusplus
}
#endif
