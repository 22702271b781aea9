#pragma once

// The ACPI Multiple APIC Description Table (MADT, signature "APIC"): the
// firmware's list of the machine's processors, by local APIC ID (ACPI 6.5,
// 5.2.12).
//
// The table is a 36-byte ACPI header, the local APIC's physical address and
// flags, then variable-length entries, each starting with a type byte and a
// length byte. osv reads type 0 entries (processor local APIC: an 8-bit
// APIC ID and an "enabled" flag) and skips every other type. Processors
// marked neither enabled nor online-capable are absent and left out.
//
// madt_parse is pure byte reading, so it runs on the host against made-up
// tables (madt_test.cc). Lock rules: none; it touches only its arguments.

#include <stddef.h>
#include <stdint.h>

#include "kernel/err.h"

#ifdef __cplusplus
extern "C" {
#endif

// Processors osv records; any beyond are counted in `dropped`.
#define MADT_MAX_CPUS 8

struct madt_info {
    uint32_t lapic_paddr;              // the local APICs' registers (physical)
    uint8_t lapic_ids[MADT_MAX_CPUS];  // enabled processors, in table order
    unsigned num_cpus;                 // entries used in lapic_ids
    unsigned dropped;                  // enabled processors past MADT_MAX_CPUS
};

// Reads the MADT at `table`, of which `size` bytes are readable, into *info.
// Returns ERR_INVAL, leaving *info undefined, when the table is malformed:
// shorter than its fixed part, a header length larger than `size`, a wrong
// signature or checksum, or an entry shorter than 2 bytes, shorter than its
// type requires, or running past the table's end.
err_t madt_parse(const void *table, size_t size, struct madt_info *info) MUST_CHECK;

#ifdef __cplusplus
}
#endif
