#pragma once

// The initrd as the worker expects to find it: the files "/" lists, read
// once before the first round, and the bytes of notelf.txt, which reads
// through the fuzzed descriptors must reproduce.

#include <osv.h>
#include <stdint.h>

#define NAMES_MAX 32

struct name {
    char s[DIRENT_NAME_MAX];
    uint32_t size;
};

extern struct name names[NAMES_MAX];
extern int num_names;

extern char notelf_copy[512];
extern int64_t notelf_size;

// Fills names and notelf_copy. Prints a FAIL line and exits 1 if the
// initrd lacks sysfuzz or notelf.txt.
void read_initrd(void);

// What the initrd holds under path s (a leading '/' is skipped once): the
// index in names, or -1.
int lookup(const char *s);
