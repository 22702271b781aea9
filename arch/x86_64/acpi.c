#include "arch/x86_64/acpi.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/kmap.h"
#include "kernel/lib/string.h"

// Where the RSDP may be (ACPI 6.5, 5.2.5.1).
#define EBDA_SEGMENT_PTR 0x40E  // BIOS data area: the EBDA's real-mode segment
#define EBDA_SEARCH_SIZE 1024
#define BIOS_AREA_START  0xE0000
#define BIOS_AREA_END    0x100000

// RSDP fields.
#define RSDP_V1_SIZE     20
#define RSDP_REVISION    15
#define RSDP_RSDT        16
#define RSDP_LENGTH      20
#define RSDP_XSDT        24
#define RSDP_V2_MIN_SIZE 36

// Every system description table starts with this 36-byte header.
#define HEADER_LENGTH 4
#define HEADER_SIZE   36

static uint32_t read32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t read64(const uint8_t *p)
{
    return read32(p) | (uint64_t)read32(p + 4) << 32;
}

static bool checksum_ok(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += p[i];
    }
    return sum == 0;
}

static const uint8_t *find_rsdp_in(paddr_t start, paddr_t end)
{
    for (paddr_t pa = start; pa + RSDP_V1_SIZE <= end; pa += 16) {
        const uint8_t *p = kmap_p2v(pa);
        if (memcmp(p, "RSD PTR ", 8) == 0 && checksum_ok(p, RSDP_V1_SIZE)) {
            return p;
        }
    }
    return NULL;
}

static const uint8_t *find_rsdp(void)
{
    const uint8_t *bda = kmap_p2v(EBDA_SEGMENT_PTR);
    paddr_t ebda = (paddr_t)(bda[0] | bda[1] << 8) << 4;
    const uint8_t *rsdp = ebda ? find_rsdp_in(ebda, ebda + EBDA_SEARCH_SIZE) : NULL;
    return rsdp ? rsdp : find_rsdp_in(BIOS_AREA_START, BIOS_AREA_END);
}

// The header at physical `pa`, or NULL when its checksum fails.
static const uint8_t *valid_table(paddr_t pa)
{
    const uint8_t *t = kmap_p2v(pa);
    uint32_t length = read32(t + HEADER_LENGTH);
    return length >= HEADER_SIZE && checksum_ok(t, length) ? t : NULL;
}

err_t acpi_find_table(const char *signature, const void **table, size_t *length)
{
    const uint8_t *rsdp = find_rsdp();
    if (rsdp == NULL) {
        return ERR_NOENT;
    }
    // ACPI 2.0 and later: the XSDT, when its extended checksum holds.
    bool xsdt = rsdp[RSDP_REVISION] >= 2 && read32(rsdp + RSDP_LENGTH) >= RSDP_V2_MIN_SIZE &&
                checksum_ok(rsdp, read32(rsdp + RSDP_LENGTH)) && read64(rsdp + RSDP_XSDT) != 0;
    const uint8_t *root = valid_table(xsdt ? read64(rsdp + RSDP_XSDT) : read32(rsdp + RSDP_RSDT));
    if (root == NULL) {
        return ERR_NOENT;
    }
    size_t entry_size = xsdt ? 8 : 4;
    size_t entries = (read32(root + HEADER_LENGTH) - HEADER_SIZE) / entry_size;
    for (size_t i = 0; i < entries; i++) {
        const uint8_t *e = root + HEADER_SIZE + i * entry_size;
        const uint8_t *t = valid_table(xsdt ? read64(e) : read32(e));
        if (t != NULL && memcmp(t, signature, 4) == 0) {
            *table = t;
            *length = read32(t + HEADER_LENGTH);
            return ERR_OK;
        }
    }
    return ERR_NOENT;
}
