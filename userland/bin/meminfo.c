// meminfo: prints every field of struct osv_sysinfo, one per line, labelled
// with the field's name (so tests and people can grep for it):
//
//   total_pages              32512
//   free_pages               31020
//   ...
//
// In the structure's order (sysinfo_print, <osv.h>): system-wide counts,
// this process's (proc_*), time, then fields appended since.

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
    sysinfo_print(&info);
    return 0;
}
