#pragma once

// Addresses and sizes fixed at link time, shared by boot.S and C code. Plain
// numbers only: this header is also included from assembly. kernel.ld repeats
// KERNEL_VIRT_BASE and KERNEL_PHYS_BASE (linker scripts cannot include it).

// The kernel image is linked here: the top 2 GiB of the address space, which
// -mcmodel=kernel requires. Virtual KERNEL_VIRT_BASE + p maps physical p.
#define KERNEL_VIRT_BASE 0xFFFFFFFF80000000

// Physical load address: above the first megabyte (BIOS, VGA and ROM areas).
#define KERNEL_PHYS_BASE 0x100000

// Stack used from boot until the scheduler's first thread exists.
#define BOOT_STACK_SIZE 16384

// Segment selectors of the boot GDT.
#define BOOT_GDT_CODE 0x08
#define BOOT_GDT_DATA 0x10

// Device registers reached through the direct map although they are not RAM:
// the I/O APIC (0xFEC00000), the HPET (0xFED00000) and the local APIC
// (0xFEE00000) lie in physical DEVICE_WINDOW_START .. DEVICE_WINDOW_END.
// boot.S maps that window, uncached, at DIRECT_MAP_BASE + physical, with two
// 2 MiB pages; the kernel's own page tables must map it the same way.
#define DEVICE_WINDOW_START 0xFEC00000
#define DEVICE_WINDOW_END   0xFF000000
