#pragma once

// The Multiboot (version 1) boot protocol, as QEMU's -kernel and GRUB speak
// it: the information structure the loader leaves for us, and its conversion
// into the portable struct boot_info.

#include <stdint.h>

#include "kernel/boot_info.h"

// %eax holds this at boot_entry when a multiboot loader started us.
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002

// Bits of multiboot_info.flags: which fields the loader filled in.
#define MULTIBOOT_INFO_MEMORY  (1u << 0)
#define MULTIBOOT_INFO_CMDLINE (1u << 2)
#define MULTIBOOT_INFO_MODS    (1u << 3)
#define MULTIBOOT_INFO_MEM_MAP (1u << 6)

// Layout fixed by the Multiboot specification, section 3.3. All addresses
// are physical and 32 bits wide.
struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;  // KiB below 1 MiB
    uint32_t mem_upper;  // KiB above 1 MiB
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;  // bytes
    uint32_t mmap_addr;
} __attribute__((packed));

// One memory map entry. `size` counts the bytes after itself, so the next
// entry starts size + 4 bytes further on.
struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;
} __attribute__((packed));

#define MULTIBOOT_MEMORY_AVAILABLE        1
#define MULTIBOOT_MEMORY_ACPI_RECLAIMABLE 3
#define MULTIBOOT_MEMORY_NVS              4
#define MULTIBOOT_MEMORY_BADRAM           5

struct multiboot_module {
    uint32_t mod_start;
    uint32_t mod_end;
    uint32_t string;  // the module's command line, NUL-terminated
    uint32_t reserved;
} __attribute__((packed));

// Fills `info` from the multiboot information at physical address
// info_paddr. Without a memory map, falls back to mem_lower/mem_upper.
void multiboot_parse(paddr_t info_paddr, struct boot_info *info);
