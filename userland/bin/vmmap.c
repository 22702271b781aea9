// vmmap [-p] [pid]: prints a process's address space (its own if no pid is
// given), one region a line, with how many of its pages are mapped; with -p
// also every mapped page: its frame, its permission as mapped, the frame's
// reference count and whether it is shared copy-on-write (vmmap_print in
// <osv.h> has the format):
//
//   $ vmmap -p 2
//   region 0x400000-0x403000 r-x code 3/3 pages
//     page 0x400000 r-x refs 3 shared -> frame 0x1d4000
//   ...
//   region 0x7fffffff5000-0x7ffffffff000 rw- stack 2/10 pages
//     page 0x7fffffffd000 r-- refs 1 cow-last -> frame 0x1e9000
//     page 0x7fffffffe000 rw- refs 1 private -> frame 0x1ea000
//
// Exit status 0; 1 if the kernel refuses (no such process: ERR_SRCH); 2 for
// bad arguments.

#include <osv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int usage(void)
{
    fprintf(stderr, "usage: vmmap [-p] [pid]\n");
    return 2;
}

static bool is_number(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    uint32_t flags = 0;
    int pid = 0;
    bool have_pid = false;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] == 'p' && argv[i][2] == '\0') {
            flags |= OSV_VMMAP_PAGES;
        } else if (!have_pid && is_number(argv[i])) {
            pid = atoi(argv[i]);
            have_pid = true;
        } else {
            return usage();
        }
    }

    // Ask for the count, then for the records; again if there are more by
    // then (describing itself, vmmap's own buffer adds heap pages).
    struct osv_vmmap_entry *records = NULL;
    uint64_t capacity = 0;
    for (;;) {
        int64_t n = vmmap(pid, flags, records, capacity);
        if (n < 0) {
            fprintf(stderr, "vmmap: %s\n", err_name((err_t)n));
            free(records);
            return 1;
        }
        if ((uint64_t)n <= capacity) {
            vmmap_print(records, (size_t)n);
            free(records);
            return 0;
        }
        free(records);
        capacity = (uint64_t)n + (uint64_t)n / 4 + 8;
        records = malloc(capacity * sizeof(*records));
        if (records == NULL) {
            fprintf(stderr, "vmmap: no memory for %lu records\n", capacity);
            return 1;
        }
    }
}
