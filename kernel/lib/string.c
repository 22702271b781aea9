// Freestanding memory and string functions (bare machine only; see string.h).
//
// Under QEMU's emulation a byte loop costs about eight times as much as a
// loop of 8-byte words, so the bulk functions move words when both pointers
// allow it, eight words a turn: every emulated compare-and-branch costs about
// as much as a store, and the compiler unrolls these loops less once they
// are inlined into their callers (the page-fault path zeroes and copies
// whole pages). no_builtin stops the compiler from "optimizing" these loops
// into calls to the very functions they implement.

#include "kernel/lib/string.h"

#include <stdint.h>

#define WORD sizeof(uint64_t)

static int both_aligned(const void *a, const void *b)
{
    return (((uintptr_t)a | (uintptr_t)b) & (WORD - 1)) == 0;
}

__attribute__((no_builtin)) void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (((uintptr_t)d & (WORD - 1)) == 0) {
        uint64_t word = 0x0101010101010101ull * (unsigned char)c;
#pragma clang loop unroll_count(8)
        for (; n >= WORD; n -= WORD, d += WORD) {
            *(uint64_t *)d = word;
        }
    }
    for (; n > 0; n--) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

__attribute__((no_builtin)) void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (both_aligned(d, s)) {
#pragma clang loop unroll_count(8)
        for (; n >= WORD; n -= WORD, d += WORD, s += WORD) {
            *(uint64_t *)d = *(const uint64_t *)s;
        }
    }
    for (; n > 0; n--) {
        *d++ = *s++;
    }
    return dst;
}

__attribute__((no_builtin)) void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d <= s || d >= s + n) {
        return memcpy(dst, src, n);  // no overlap that a forward copy breaks
    }
    // dst overlaps the end of src: copy backwards.
    d += n;
    s += n;
    if (both_aligned(d, s)) {
        for (; n >= WORD; n -= WORD) {
            d -= WORD;
            s -= WORD;
            *(uint64_t *)d = *(const uint64_t *)s;
        }
    }
    for (; n > 0; n--) {
        *--d = *--s;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a;
    const unsigned char *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0') {
        n++;
    }
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n > 0; n--, a++, b++) {
        if (*a != *b || *a == '\0') {
            return (unsigned char)*a - (unsigned char)*b;
        }
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c) {
            return (char *)s;
        }
        if (*s == '\0') {
            return NULL;
        }
    }
}
