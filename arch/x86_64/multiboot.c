#include "arch/x86_64/multiboot.h"

#include <stddef.h>

#include "arch/kmap.h"
#include "kernel/lib/string.h"

extern char kernel_phys_start[];
extern char kernel_end[];

static enum mem_range_type range_type(uint32_t multiboot_type)
{
    switch (multiboot_type) {
    case MULTIBOOT_MEMORY_AVAILABLE:
        return MEM_USABLE;
    case MULTIBOOT_MEMORY_ACPI_RECLAIMABLE:
        return MEM_ACPI_RECLAIMABLE;
    case MULTIBOOT_MEMORY_NVS:
        return MEM_ACPI_NVS;
    case MULTIBOOT_MEMORY_BADRAM:
        return MEM_BAD;
    default:
        return MEM_RESERVED;
    }
}

// Multiboot loaders pass "<image path> <arguments>", as a shell passes
// argv[0]: the kernel's command line is what follows the first word.
static const char *skip_image_name(const char *cmdline)
{
    while (*cmdline != '\0' && *cmdline != ' ') {
        cmdline++;
    }
    while (*cmdline == ' ') {
        cmdline++;
    }
    return cmdline;
}

static void add_range(struct boot_info *info, paddr_t start, uint64_t length,
                      enum mem_range_type type)
{
    if (info->num_mem_ranges == BOOT_MAX_MEM_RANGES) {
        info->dropped_mem_ranges++;
        return;
    }
    info->mem_ranges[info->num_mem_ranges++] =
        (struct mem_range){.start = start, .length = length, .type = type};
}

static void parse_mem_map(const struct multiboot_info *mbi, struct boot_info *info)
{
    const char *entry = kmap_p2v(mbi->mmap_addr);
    const char *end = entry + mbi->mmap_length;
    while (entry + sizeof(struct multiboot_mmap_entry) <= end) {
        const struct multiboot_mmap_entry *e = (const void *)entry;
        if (e->length != 0) {
            add_range(info, e->base_addr, e->length, range_type(e->type));
        }
        entry += e->size + sizeof(e->size);
    }
}

void multiboot_parse(paddr_t info_paddr, struct boot_info *info)
{
    const struct multiboot_info *mbi = kmap_p2v(info_paddr);
    *info = (struct boot_info){.cmdline = ""};

    if (mbi->flags & MULTIBOOT_INFO_CMDLINE) {
        info->cmdline = skip_image_name(kmap_p2v(mbi->cmdline));
    }
    if (mbi->flags & MULTIBOOT_INFO_MEM_MAP) {
        parse_mem_map(mbi, info);
    } else if (mbi->flags & MULTIBOOT_INFO_MEMORY) {
        add_range(info, 0, (uint64_t)mbi->mem_lower * 1024, MEM_USABLE);
        add_range(info, 0x100000, (uint64_t)mbi->mem_upper * 1024, MEM_USABLE);
    }
    if (mbi->flags & MULTIBOOT_INFO_MODS) {
        const struct multiboot_module *mods = kmap_p2v(mbi->mods_addr);
        for (uint32_t i = 0; i < mbi->mods_count && i < BOOT_MAX_MODULES; i++) {
            info->modules[i] = (struct boot_module){
                .start = mods[i].mod_start,
                .end = mods[i].mod_end,
                .name = mods[i].string ? kmap_p2v(mods[i].string) : "",
            };
            info->num_modules++;
        }
    }
    info->kernel_start = (paddr_t)(uintptr_t)kernel_phys_start;
    info->kernel_end = kmap_v2p(kernel_end);
}
