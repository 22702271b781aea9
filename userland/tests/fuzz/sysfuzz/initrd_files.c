// The initrd's files, as read before the first round (initrd_files.h).

#include "userland/tests/fuzz/sysfuzz/initrd_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct name names[NAMES_MAX];
int num_names;
char notelf_copy[512];
int64_t notelf_size;

void read_initrd(void)
{
    int fd = open("/", O_RDONLY);
    struct osv_dirent d[8];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, d, sizeof d)) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof d[0] && num_names < NAMES_MAX; i++) {
            memcpy(names[num_names].s, d[i].name, DIRENT_NAME_MAX);
            names[num_names].s[DIRENT_NAME_MAX - 1] = '\0';
            names[num_names].size = d[i].size;
            num_names++;
        }
    }
    close(fd);
    fd = open("notelf.txt", O_RDONLY);
    while (fd >= 0 && (n = read(fd, notelf_copy + notelf_size,
                                sizeof notelf_copy - (size_t)notelf_size)) > 0) {
        notelf_size += n;
    }
    close(fd);
    if (num_names == 0 || notelf_size == 0 || lookup("sysfuzz") < 0) {
        printf("sysfuzz: FAIL: the initrd lacks sysfuzz or notelf.txt\n");
        exit(1);
    }
}

int lookup(const char *s)
{
    if (s[0] == '/') {
        s++;
    }
    for (int i = 0; i < num_names; i++) {
        if (strcmp(names[i].s, s) == 0) {
            return i;
        }
    }
    return -1;
}
