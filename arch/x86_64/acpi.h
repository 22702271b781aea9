#pragma once

// Finding ACPI tables: the firmware's description of the machine.
//
// The root system description pointer (RSDP) lies on a 16-byte boundary in
// the first KiB of the extended BIOS data area or in the BIOS area
// 0xE0000..0xFFFFF; it points to the RSDT (32-bit table addresses) or, from
// ACPI 2.0, the XSDT (64-bit ones), which lists every other table (ACPI 6.5,
// 5.2.5 to 5.2.8). Every structure carries a checksum; one that fails is
// ignored.
//
// Lock rules: none. Call at boot, on the bootstrap processor, while the boot
// page tables (boot.S) still map the first 4 GiB: the tables lie in RAM the
// firmware reserved, which the kernel's own map (kernel_map.h) need not
// cover.

#include <stddef.h>

#include "kernel/err.h"

// Finds the ACPI table with the 4-character `signature` ("APIC" for the
// MADT) and puts its address (in the direct map) in *table and its length
// in *length. Returns ERR_NOENT when there is no valid RSDP, root table, or
// table of that signature.
err_t acpi_find_table(const char *signature, const void **table, size_t *length) MUST_CHECK;
