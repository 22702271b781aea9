// malloctest: malloc, free, realloc and calloc on the real sbrk. Prints
// "malloctest: PASS" and exits 0, or names the first failed check and
// exits 1.
//
// Checks: small blocks are 16-byte aligned, distinct, and keep their
// contents; a 1 MiB block moves the break up to hold it, and freeing
// it moves the break back down by whole pages, to less than
// HEAP_TRIM_THRESHOLD above where the heap began; realloc keeps contents;
// calloc zeroes.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "userland/lib/heap.h"

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("malloctest: FAIL: %s\n", what);
        failures++;
    }
}

int main(void)
{
    uintptr_t start = (uintptr_t)sbrk(0);

    char *small[64];
    for (int i = 0; i < 64; i++) {
        small[i] = malloc((size_t)i * 8 + 1);
        check(small[i] != NULL, "small malloc returned NULL");
        check((uintptr_t)small[i] % 16 == 0, "small block not 16-byte aligned");
        memset(small[i], i, (size_t)i * 8 + 1);
    }
    for (int i = 0; i < 64; i++) {
        for (int j = 0; j < i * 8 + 1; j++) {
            if (small[i][j] != (char)i) {
                check(0, "small block lost its contents");
                break;
            }
        }
        free(small[i]);
    }

    uintptr_t before = (uintptr_t)sbrk(0);
    char *big = malloc(1 << 20);
    check(big != NULL, "1 MiB malloc returned NULL");
    uintptr_t grown = (uintptr_t)sbrk(0);
    // The free top of the heap is reused, so the break may grow by a bit less.
    check(grown > before && grown - start >= (1 << 20), "break did not grow to hold 1 MiB");
    memset(big, 0x5a, 1 << 20);
    free(big);
    uintptr_t after = (uintptr_t)sbrk(0);
    check(after < grown && (grown - after) % HEAP_PAGE_SIZE == 0,
          "freeing 1 MiB did not give whole pages back");
    check(after - start < HEAP_TRIM_THRESHOLD + HEAP_PAGE_SIZE, "heap did not shrink back");

    char *r = malloc(100);
    memset(r, 7, 100);
    r = realloc(r, 100000);
    check(r != NULL, "realloc returned NULL");
    for (int i = 0; i < 100; i++) {
        if (r[i] != 7) {
            check(0, "realloc lost contents");
            break;
        }
    }
    free(r);

    unsigned char *z = calloc(1000, 4);
    check(z != NULL, "calloc returned NULL");
    for (int i = 0; i < 4000; i++) {
        if (z[i] != 0) {
            check(0, "calloc memory not zero");
            break;
        }
    }
    free(z);

    if (failures != 0) {
        return 1;
    }
    printf("malloctest: PASS\n");
    return 0;
}
