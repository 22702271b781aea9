#pragma once

// What the benchmark programs (forkbench.c, scalebench.c) share, on both
// kernels: one line of output built in a buffer and written whole, integers
// printed without a C library, 128-bit-safe scaling, the TSC, sorting, and
// touching pages.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_PAGE_SIZE 4096

// The line being built. line_end writes it (with a newline) to standard
// output and empties it, unless line_quiet is set (warming up: measure
// everything, print nothing).
extern bool line_quiet;
void line_start(void);                     // empties the line
void put(const char *s);                   // text (cut off at the buffer's end)
void put_u64(uint64_t v);                  // decimal
void put_fixed(uint64_t v, int decimals);  // v / 10^decimals, that many decimals
void line_end(void);

// a * b / c without overflow, for a quotient that fits in 64 bits (the
// compiler's 128-bit division would need a runtime library); UINT64_MAX
// when it does not fit or c is 0.
uint64_t muldiv(uint64_t a, uint64_t b, uint64_t c);

// The time-stamp counter, after every earlier instruction has finished.
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

// Sorts v[0..n) in increasing order (insertion sort: n is small).
void sort_u64(uint64_t *v, int n);

// Writes `value` to one byte of each of `pages` pages at p.
void touch(char *p, size_t pages, char value);

// True when s starts with prefix; *rest is then what follows it.
bool starts_with(const char *s, const char *prefix, const char **rest);
