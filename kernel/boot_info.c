#include "kernel/boot_info.h"

const char *mem_range_type_name(enum mem_range_type type)
{
    switch (type) {
    case MEM_USABLE:
        return "usable";
    case MEM_RESERVED:
        return "reserved";
    case MEM_ACPI_RECLAIMABLE:
        return "ACPI reclaimable";
    case MEM_ACPI_NVS:
        return "ACPI NVS";
    case MEM_BAD:
        return "bad";
    }
    return "unknown";
}
