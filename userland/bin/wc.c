// wc: counts lines, words and bytes of each named file, or of standard
// input with no names, and prints them as
//
//       3       7      42 name
//
// (the name left out for standard input), plus a "total" line when there
// are several files. Words are runs of characters other than space, tab and
// newline. A file that cannot be opened is reported and skipped (status 1).

#include <osv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

struct counts {
    uint64_t lines, words, bytes;
};

static bool count(int fd, const char *name, struct counts *c)
{
    char buf[512];
    bool in_word = false;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n == 0) {
            return true;
        }
        if (n < 0) {
            fprintf(stderr, "wc: %s: %s\n", name, err_name((err_t)n));
            return false;
        }
        c->bytes += (uint64_t)n;
        for (ssize_t i = 0; i < n; i++) {
            char ch = buf[i];
            if (ch == '\n') {
                c->lines++;
            }
            if (ch == ' ' || ch == '\t' || ch == '\n') {
                in_word = false;
            } else if (!in_word) {
                in_word = true;
                c->words++;
            }
        }
    }
}

static void print(const struct counts *c, const char *name)
{
    printf("%7lu %7lu %7lu%s%s\n", c->lines, c->words, c->bytes, name ? " " : "", name ? name : "");
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        struct counts c = {0};
        bool ok = count(STDIN_FILENO, "stdin", &c);
        print(&c, NULL);
        return ok ? 0 : 1;
    }
    struct counts total = {0};
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "wc: %s: %s\n", argv[i], err_name(fd));
            status = 1;
            continue;
        }
        struct counts c = {0};
        if (!count(fd, argv[i], &c)) {
            status = 1;
        }
        close(fd);
        print(&c, argv[i]);
        total.lines += c.lines;
        total.words += c.words;
        total.bytes += c.bytes;
    }
    if (argc > 2) {
        print(&total, "total");
    }
    return status;
}
