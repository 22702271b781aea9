#pragma once

// Reading ELF64 executables: the loader's view of a user program.
//
// elf_parse checks every header, segment and size it uses, and describes the
// loadable segments; exec (kernel/exec.c) then maps and fills them. It only
// reads the file and never trusts a number from it: every offset + size is
// checked without overflowing. A file that is malformed or not made for osv
// is refused with ERR_NOEXEC:
//  - shorter than the ELF header; not starting with "\x7fELF"; not ELF64
//    (EI_CLASS), not little-endian (EI_DATA), not ELF version 1 (EI_VERSION
//    and e_version);
//  - not an executable (e_type ET_EXEC: relocatable objects and ET_DYN, shared
//    libraries and position-independent executables, are refused), or not for
//    x86_64 (e_machine);
//  - program headers of another size than struct elf64_phdr, the
//    extended-count escape PN_XNUM, or a program header table (e_phoff,
//    e_phnum) reaching past the end of the file;
//  - a PT_INTERP segment: the program wants a dynamic linker;
//  - a loadable (PT_LOAD) segment whose file size exceeds its memory size,
//    whose bytes (p_offset + p_filesz) lie outside the file, whose address is
//    not page-aligned, that lies outside [ELF_USER_MIN, ELF_USER_MAX) or wraps
//    around the address space, or that is both writable and executable (osv
//    maps no page W+X);
//  - two loadable segments that overlap or share a page (each page of the
//    image has one permission);
//  - more than ELF_MAX_SEGMENTS loadable segments, or none;
//  - an entry point outside every executable segment.
//
// Loadable segments with a memory size of 0 map nothing and are skipped (they
// count neither towards the limit nor as "a loadable segment"). Program
// headers of other types (PT_NOTE, PT_GNU_STACK, ...) are ignored, and so is
// the section header table. A segment's permission comes from p_flags:
// PF_X gives MEMPERM_URX, PF_W MEMPERM_URW, anything else MEMPERM_UR (x86
// cannot map a page that is not readable).
//
// Pure function of its input: no allocation, no locks, callable anywhere.

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

// Parses the executable at [file, file + size) (any alignment). Returns ERR_OK
// with *image filled: the entry point and the loadable segments sorted by
// address, each page-aligned, inside the file and the user range, apart from
// the others by at least a page boundary. Or ERR_NOEXEC for any of the
// reasons above; *image is then unspecified.
err_t elf_parse(const void *file, size_t size, struct elf_image *image) MUST_CHECK;

#ifdef __cplusplus
}
#endif
