#pragma once

// What the boot loader told us, in a form that does not depend on the boot
// protocol. The architecture fills it in (arch/x86_64/multiboot.c) before
// calling kernel_main; it stays valid for the kernel's lifetime.

#include <stddef.h>
#include <stdint.h>

#include "kernel/addr.h"

#ifdef __cplusplus
extern "C" {
#endif

enum mem_range_type {
    MEM_USABLE,            // free RAM
    MEM_RESERVED,          // firmware, devices, ROM: never touch
    MEM_ACPI_RECLAIMABLE,  // ACPI tables; usable once they are read
    MEM_ACPI_NVS,          // must be preserved across sleep
    MEM_BAD,               // defective RAM
};

// One range of the physical memory map: [start, start + length).
struct mem_range {
    paddr_t start;
    uint64_t length;
    enum mem_range_type type;
};

// A file the boot loader loaded next to the kernel (the initrd).
struct boot_module {
    paddr_t start;
    paddr_t end;  // one past the last byte
    const char *name;
};

#define BOOT_MAX_MEM_RANGES 64
#define BOOT_MAX_MODULES    8

struct boot_info {
    const char *cmdline;  // never NULL; "" when there is none

    struct mem_range mem_ranges[BOOT_MAX_MEM_RANGES];
    size_t num_mem_ranges;
    size_t dropped_mem_ranges;  // entries beyond BOOT_MAX_MEM_RANGES

    struct boot_module modules[BOOT_MAX_MODULES];
    size_t num_modules;

    paddr_t kernel_start;  // physical extent of the loaded kernel image
    paddr_t kernel_end;
};

// Name of a range type, for printing ("usable", "reserved", ...).
const char *mem_range_type_name(enum mem_range_type type);

#ifdef __cplusplus
}
#endif
