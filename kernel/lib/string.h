#pragma once

// The C library's memory and string functions, for freestanding code.
//
// On the bare machine kernel/lib/string.c defines them (the compiler also
// emits calls to memcpy, memset, memmove and memcmp on its own, for struct
// copies and zeroing). On the host the C library defines them, so host tests
// run the same portable code against the host's versions.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#ifdef __cplusplus
}
#endif
