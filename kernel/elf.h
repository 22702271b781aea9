#pragma once

// Reading ELF64 executables: the loader's view of a user program.
//
// elf_parse checks every header, segment and size it uses, and describes the
// loadable segments; exec (kernel/exec.c) then maps and fills them. A file
// that is malformed or not made for osv is refused with ERR_NOEXEC: not ELF64
// little-endian, not x86_64, not an executable (ET_EXEC), program headers or
// segment data outside the file, a segment whose file size exceeds its memory
// size, a segment that is not page-aligned or lies outside
// [ELF_USER_MIN, ELF_USER_MAX), segments that share a page or overlap, more
// than ELF_MAX_SEGMENTS loadable segments or none, an entry point outside
// every executable segment.

#include <stddef.h>

#include "kernel/addr.h"
#include "kernel/err.h"
#include "kernel/mm/memperm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ELF_MAX_SEGMENTS 8

// Where user programs may be loaded: above the unmapped first 4 MiB (which
// keeps NULL and small offsets from NULL faulting) and below the stack area.
#define ELF_USER_MIN 0x400000ull
#define ELF_USER_MAX 0x0000700000000000ull

struct elf_segment {
    vaddr_t vaddr;       // page-aligned
    size_t mem_size;     // bytes in memory (>= file_size; the rest is zero)
    size_t file_offset;  // where its bytes start in the file
    size_t file_size;
    memperm_t perm;  // MEMPERM_UR, MEMPERM_URW or MEMPERM_URX
};

struct elf_image {
    vaddr_t entry;
    size_t num_segments;
    struct elf_segment segments[ELF_MAX_SEGMENTS];  // sorted by vaddr
};

// Parses the executable at [file, file + size). ERR_OK and *image filled, or
// ERR_NOEXEC as described above (*image then unspecified).
err_t elf_parse(const void *file, size_t size, struct elf_image *image) MUST_CHECK;

#ifdef __cplusplus
}
#endif
