// ls: lists the initrd. With no arguments, every file of "/" (read as
// struct osv_dirent records) with its size in bytes, in archive order:
//
//      12345 sh
//
// With names, the size of each (from fstat), or an error for a missing one
// (exit status 1).

#include <osv.h>
#include <stdio.h>
#include <unistd.h>

static int list_root(void)
{
    int fd = open("/", O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "ls: /: %s\n", err_name(fd));
        return 1;
    }
    struct osv_dirent entries[16];
    int status = 0;
    for (;;) {
        ssize_t n = read(fd, entries, sizeof(entries));
        if (n == 0) {
            break;
        }
        if (n < 0) {
            fprintf(stderr, "ls: /: %s\n", err_name((err_t)n));
            status = 1;
            break;
        }
        if (n % (ssize_t)sizeof(entries[0]) != 0) {
            fprintf(stderr, "ls: /: read %ld bytes: not whole directory entries\n", n);
            status = 1;
            break;
        }
        for (ssize_t i = 0; i < n / (ssize_t)sizeof(entries[0]); i++) {
            printf("%10u %.*s\n", entries[i].size, DIRENT_NAME_MAX, entries[i].name);
        }
    }
    close(fd);
    return status;
}

static int show(const char *name)
{
    int fd = open(name, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "ls: %s: %s\n", name, err_name(fd));
        return 1;
    }
    struct osv_stat st;
    int err = fstat(fd, &st);
    close(fd);
    if (err < 0) {
        fprintf(stderr, "ls: %s: %s\n", name, err_name(err));
        return 1;
    }
    printf("%10lu %s\n", st.size, name);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        return list_root();
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        status |= show(argv[i]);
    }
    return status;
}
