// cat: copies each named file (or standard input, with no names or for
// "-") to standard output. A file that cannot be opened is reported on
// stderr and skipped; the exit status is then 1. A write error (the reader
// of a pipe went away) stops cat with status 1.

#include <osv.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd, const char *name)
{
    char buf[512];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n == 0) {
            return 0;
        }
        if (n < 0) {
            fprintf(stderr, "cat: %s: %s\n", name, err_name((err_t)n));
            return 1;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(STDOUT_FILENO, buf + done, (size_t)(n - done));
            if (w <= 0) {
                fprintf(stderr, "cat: write: %s\n", err_name((err_t)w));
                return -1;
            }
            done += w;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        return copy(STDIN_FILENO, "stdin") != 0;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int result;
        if (strcmp(argv[i], "-") == 0) {
            result = copy(STDIN_FILENO, "stdin");
        } else {
            int fd = open(argv[i], O_RDONLY);
            if (fd < 0) {
                fprintf(stderr, "cat: %s: %s\n", argv[i], err_name(fd));
                status = 1;
                continue;
            }
            result = copy(fd, argv[i]);
            close(fd);
        }
        if (result < 0) {
            return 1;
        }
        status |= result;
    }
    return status;
}
