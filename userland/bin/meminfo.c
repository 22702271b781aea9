// meminfo: prints every field of struct osv_sysinfo, one per line, labelled
// with the field's name (so tests and people can grep for it):
//
//   total_pages              32512
//   free_pages               31020
//   ...
//
// In the structure's order: system-wide counts, this process's (proc_*),
// time, then fields appended since (processes, proc_table_pages).

#include <osv.h>
#include <stdio.h>

int main(void)
{
    struct osv_sysinfo info;
    int err = sysinfo(&info);
    if (err < 0) {
        fprintf(stderr, "meminfo: sysinfo: %s\n", err_name(err));
        return 1;
    }
    const struct {
        const char *label;
        uint64_t value;
    } fields[] = {
        {"total_pages", info.total_pages},
        {"free_pages", info.free_pages},
        {"page_faults", info.page_faults},
        {"demand_zero_faults", info.demand_zero_faults},
        {"cow_faults", info.cow_faults},
        {"cow_copies", info.cow_copies},
        {"cow_reused", info.cow_reused},
        {"pages_shared", info.pages_shared},
        {"proc_page_faults", info.proc_page_faults},
        {"proc_demand_zero_faults", info.proc_demand_zero_faults},
        {"proc_cow_faults", info.proc_cow_faults},
        {"proc_cow_copies", info.proc_cow_copies},
        {"proc_cow_reused", info.proc_cow_reused},
        {"proc_pages_mapped", info.proc_pages_mapped},
        {"ticks", info.ticks},
        {"ticks_per_second", info.ticks_per_second},
        {"tsc_per_second", info.tsc_per_second},
        {"processes", info.processes},
        {"proc_table_pages", info.proc_table_pages},
    };
    _Static_assert(sizeof(fields) / sizeof(fields[0]) * sizeof(uint64_t) ==
                       sizeof(struct osv_sysinfo),
                   "a field of struct osv_sysinfo is missing here");
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        printf("%-24s %lu\n", fields[i].label, fields[i].value);
    }
    return 0;
}
