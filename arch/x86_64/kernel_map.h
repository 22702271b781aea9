#pragma once

// The kernel's own page tables: the kernel half every address space shares.

#include "kernel/addr.h"
#include "kernel/boot_info.h"

// osv direct-maps physical memory below this address (4 GiB). A machine with
// RAM above it is refused at boot with a message (run QEMU with -m 3G or less).
#define DIRECT_MAP_LIMIT 0x100000000ull

// Region of the kernel half reserved for kernel stacks (arch/x86_64/kstack.c):
// the top gigabyte's first 20 MiB. Its page tables exist from boot on, so
// mapping a stack page there never needs memory for tables.
#define KSTACK_REGION_BASE 0xFFFFFFFFC0000000ull
#define KSTACK_REGION_SIZE (20ull << 20)

// Builds the final kernel page tables and switches the CPU to them:
//  - the direct map: physical [0, end of RAM) at DIRECT_MAP_BASE, in 2 MiB
//    pages, read-write and never executable, plus the device window of
//    boot_layout.h (local and I/O APIC), uncached;
//  - the kernel image at KERNEL_VIRT_BASE in 4 KiB pages: text read-only and
//    executable, read-only data read-only, data and bss writable; neither of
//    the data parts executable; the page below the boot stack unmapped, as
//    a guard;
//  - empty page tables for the kernel stack region;
//  - nothing in the user half: boot's identity map of low memory is gone.
// All kernel mappings are global (CR4.PGE), so switching address spaces
// keeps them in the TLB. Then tells vpmap (vpmap_set_kernel_half) to share
// this kernel half with every address space.
//
// Runs once, before pmem exists: its page-table pages come from a small pool
// inside the kernel image. Panics if RAM extends past DIRECT_MAP_LIMIT.
void kernel_map_init(const struct boot_info *info);

// Maps one page, readable and writable, not executable, at vaddr inside the
// kernel stack region. Panics if vaddr is outside it or already mapped.
void kernel_map_page(vaddr_t vaddr, paddr_t paddr);

// Unmaps the page at vaddr inside the kernel stack region, invalidates this
// CPU's TLB entry and returns the physical page that was mapped there. Other
// CPUs may still hold the translation: kstack.c does not map that address
// again before they flushed it (tlb_flush_kernel_everywhere). Panics if
// nothing was mapped.
paddr_t kernel_unmap_page(vaddr_t vaddr);

// Switches the calling CPU to the kernel's page tables (with global pages
// enabled, as kernel_map_init left the bootstrap processor). For application
// processors, which arrive on kernel_map_ap_boot_root's tables. Call after
// kernel_map_init.
void kernel_map_enter(void);

// A top-level table for application processors on their way to long mode:
// the kernel half of the kernel's own, plus physical 0 .. 2 MiB mapped at the
// same addresses (identity), writable and executable, so that the startup
// code below 1 MiB keeps running the instant paging turns on. It lies below
// 4 GiB (a 32-bit mov to CR3 loads it). Built on the first call from the
// boot pool; later calls return the same table. Panics if the pool is used
// up. Call after kernel_map_init, at boot, on the bootstrap processor.
paddr_t kernel_map_ap_boot_root(void);
