#pragma once

// x86_64 4-level paging: the layout of virtual addresses and table entries
// (Intel SDM vol. 3A, section 4.5).
//
//  63    48 47     39 38     30 29     21 20     12 11         0
// +--------+---------+---------+---------+---------+------------+
// | sign   | PML4    | PDPT    | PD      | PT      | offset in  |
// | extend | index   | index   | index   | index   | the page   |
// +--------+---------+---------+---------+---------+------------+
//
// Each table is one 4 KiB page of 512 64-bit entries. An entry holds the
// physical address of the next table (or, in a PT, of the page) and flags:
//
//  63  62    52 51                     12 11  9 8 7 6 5 4 3 2 1 0
// +--+---------+-------------------------+-----+-+-+-+-+-+-+-+-+-+
// |NX| ignored | physical address        | ign |G|S|D|A|C|T|U|W|P|
// +--+---------+-------------------------+-----+-+-+-+-+-+-+-+-+-+
//
// P present, W writable, U user-accessible, S (PS) large page in a PD or
// PDPT entry, NX no-execute (needs EFER.NXE, which boot.S sets). For a page to
// be writable or user-accessible, every level on its path must allow it, so
// intermediate entries are made permissive and the leaf decides.

#include <stdint.h>

#include "kernel/addr.h"

#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITABLE (1ull << 1)
#define PTE_USER     (1ull << 2)
#define PTE_PWT      (1ull << 3)  // write-through
#define PTE_PCD      (1ull << 4)  // cache disable
#define PTE_ACCESSED (1ull << 5)
#define PTE_DIRTY    (1ull << 6)
#define PTE_LARGE    (1ull << 7)  // 2 MiB page in a PD entry, 1 GiB in a PDPT entry
#define PTE_GLOBAL   (1ull << 8)
#define PTE_NX       (1ull << 63)

#define PTE_ADDRESS_MASK 0x000FFFFFFFFFF000ull

#define PT_ENTRIES 512

// Index into the table at `level` (4 = PML4, 3 = PDPT, 2 = PD, 1 = PT).
static inline unsigned pt_index(vaddr_t vaddr, int level)
{
    return (unsigned)(vaddr >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static inline paddr_t pte_address(uint64_t pte)
{
    return pte & PTE_ADDRESS_MASK;
}
