#pragma once

// Running the kernel out of memory at a chosen point, the way the tests do:
// pages are taken from pmem until only `left` are free, so that the next
// allocations after those `left` fail (pages, page tables and kmalloc alike),
// and given back afterwards.

#include <cstddef>
#include <vector>

extern "C" {
#include "kernel/addr.h"
#include "kernel/err.h"
#include "kernel/mm/pmem.h"
}

// Takes every free page but `left` and adds them to *hoard.
inline void PmemTakeAllBut(size_t left, std::vector<paddr_t> *hoard)
{
    paddr_t page;
    while (pmem_free_pages() > left && pmem_alloc(&page) == ERR_OK) {
        hoard->push_back(page);
    }
}

// Frees the pages of *hoard and empties it.
inline void PmemGiveBack(std::vector<paddr_t> *hoard)
{
    for (paddr_t page : *hoard) {
        pmem_free(page);
    }
    hoard->clear();
}
