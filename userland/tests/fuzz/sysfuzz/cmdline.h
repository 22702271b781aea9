#pragma once

// sysfuzz's command line:
//
//   sysfuzz SEED ROUNDS [FIRST [trace]]
//
// SEED: 0..2^64-1, decimal or hex after 0x; ROUNDS: 1..1000000000; FIRST:
// the first round's number (default 0); "trace": print every call. Anything
// else prints the usage line on stderr and exits ST_USAGE, which the
// worker's exec'd children rely on: exec'ing sysfuzz with letters for
// arguments must end that way.

#include <stdbool.h>
#include <stdint.h>

#define ST_USAGE 2

struct args {
    uint64_t seed;
    uint64_t rounds;
    uint64_t first;
    bool trace;
};

// Parses argv into *out, or prints the usage line and exits ST_USAGE.
void parse_args(int argc, char **argv, struct args *out);

// Parses all of s as a number (decimal, or hex after 0x) no larger than max.
bool parse_u64(const char *s, uint64_t max, uint64_t *out);
