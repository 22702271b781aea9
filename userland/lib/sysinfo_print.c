// sysinfo_print (see <osv.h>).

#include <osv.h>
#include <stdio.h>

void sysinfo_print(const struct osv_sysinfo *info)
{
    const struct {
        const char *label;
        uint64_t value;
    } fields[] = {
        {"total_pages", info->total_pages},
        {"free_pages", info->free_pages},
        {"page_faults", info->page_faults},
        {"demand_zero_faults", info->demand_zero_faults},
        {"cow_faults", info->cow_faults},
        {"cow_copies", info->cow_copies},
        {"cow_reused", info->cow_reused},
        {"pages_shared", info->pages_shared},
        {"proc_page_faults", info->proc_page_faults},
        {"proc_demand_zero_faults", info->proc_demand_zero_faults},
        {"proc_cow_faults", info->proc_cow_faults},
        {"proc_cow_copies", info->proc_cow_copies},
        {"proc_cow_reused", info->proc_cow_reused},
        {"proc_pages_mapped", info->proc_pages_mapped},
        {"ticks", info->ticks},
        {"ticks_per_second", info->ticks_per_second},
        {"tsc_per_second", info->tsc_per_second},
        {"processes", info->processes},
        {"proc_table_pages", info->proc_table_pages},
        {"tlb_shootdowns", info->tlb_shootdowns},
        {"tlb_shootdown_ipis", info->tlb_shootdown_ipis},
        {"vmcheck_checks_idle", info->vmcheck_checks_idle},
        {"vmcheck_checks_parked", info->vmcheck_checks_parked},
        {"vmcheck_skipped", info->vmcheck_skipped},
    };
    _Static_assert(sizeof(fields) / sizeof(fields[0]) * sizeof(uint64_t) ==
                       sizeof(struct osv_sysinfo),
                   "a field of struct osv_sysinfo is missing here");
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        printf("%-24s %lu\n", fields[i].label, fields[i].value);
    }
}
