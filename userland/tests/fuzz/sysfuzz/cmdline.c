// sysfuzz's command line (cmdline.h).

#include "userland/tests/fuzz/sysfuzz/cmdline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void usage(void)
{
    fprintf(stderr, "usage: sysfuzz SEED ROUNDS [FIRST [trace]]  (SEED: 0..2^64-1, decimal or "
                    "0x-hex; ROUNDS: 1..1000000000; FIRST: the first round's number, default 0; "
                    "trace: print every call)\n");
    exit(ST_USAGE);
}

bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0') {
        return false;
    }
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9') {
            d = (unsigned)(*s - '0');
        } else if (base == 16 && *s >= 'a' && *s <= 'f') {
            d = (unsigned)(*s - 'a' + 10);
        } else if (base == 16 && *s >= 'A' && *s <= 'F') {
            d = (unsigned)(*s - 'A' + 10);
        } else {
            return false;
        }
        if (v > (max - d) / base) {
            return false;
        }
        v = v * base + d;
    }
    *out = v;
    return true;
}

void parse_args(int argc, char **argv, struct args *out)
{
    *out = (struct args){0};
    if (argc == 5 && strcmp(argv[4], "trace") == 0) {
        out->trace = true;
        argc--;
    }
    if ((argc != 3 && argc != 4) || !parse_u64(argv[1], UINT64_MAX, &out->seed) ||
        !parse_u64(argv[2], 1000000000, &out->rounds) || out->rounds == 0 ||
        (argc == 4 && !parse_u64(argv[3], UINT64_MAX - 1000000000, &out->first))) {
        usage();
    }
}
