#include "arch/x86_64/madt.h"

#include <stdint.h>

// Offsets in the MADT (ACPI 6.5, table 5.19) and its entries (5.21).
#define HEADER_LENGTH     4
#define MADT_LAPIC_ADDR   36
#define MADT_ENTRIES      44  // after the local APIC address and the flags
#define ENTRY_TYPE        0
#define ENTRY_LENGTH      1
#define LAPIC_ENTRY_ID    3
#define LAPIC_ENTRY_FLAGS 4
#define LAPIC_ENTRY_SIZE  8

#define ENTRY_TYPE_LOCAL_APIC 0
#define LAPIC_ENABLED         (1u << 0)
#define LAPIC_ONLINE_CAPABLE  (1u << 1)

// The table may sit at any byte address: read multi-byte fields a byte at a
// time (little-endian) rather than through a possibly unaligned pointer.
static uint32_t read32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void add_cpu(struct madt_info *info, uint8_t lapic_id)
{
    if (info->num_cpus == MADT_MAX_CPUS) {
        info->dropped++;
        return;
    }
    info->lapic_ids[info->num_cpus++] = lapic_id;
}

err_t madt_parse(const void *table, size_t size, struct madt_info *info)
{
    const uint8_t *t = table;
    if (size < MADT_ENTRIES) {
        return ERR_INVAL;
    }
    uint32_t length = read32(t + HEADER_LENGTH);
    if (length < MADT_ENTRIES || length > size) {
        return ERR_INVAL;
    }
    if (t[0] != 'A' || t[1] != 'P' || t[2] != 'I' || t[3] != 'C') {
        return ERR_INVAL;
    }
    // Every ACPI table's bytes, checksum included, add up to 0 mod 256.
    uint8_t sum = 0;
    for (uint32_t i = 0; i < length; i++) {
        sum += t[i];
    }
    if (sum != 0) {
        return ERR_INVAL;
    }

    *info = (struct madt_info){.lapic_paddr = read32(t + MADT_LAPIC_ADDR)};
    uint32_t at = MADT_ENTRIES;
    while (at < length) {
        if (length - at < 2) {
            return ERR_INVAL;
        }
        const uint8_t *entry = t + at;
        uint8_t entry_length = entry[ENTRY_LENGTH];
        if (entry_length < 2 || entry_length > length - at) {
            return ERR_INVAL;
        }
        if (entry[ENTRY_TYPE] == ENTRY_TYPE_LOCAL_APIC) {
            if (entry_length < LAPIC_ENTRY_SIZE) {
                return ERR_INVAL;
            }
            uint32_t flags = read32(entry + LAPIC_ENTRY_FLAGS);
            if (flags & (LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE)) {
                add_cpu(info, entry[LAPIC_ENTRY_ID]);
            }
        }
        at += entry_length;
    }
    return ERR_OK;
}
