#pragma once

// The program loader: a program from the initrd (or any ELF image in memory)
// loaded into a fresh address space. exec itself, which gives a process the
// new address space, is proc_exec (kernel/proc.h).
//
// The new address space gets one region per ELF segment (code: URX; data:
// URW or UR), filled from the file (pages that hold only zeros past the end
// of a writable segment's file bytes are left to demand-zero faults), an
// empty heap right after the highest segment, and the stack region with its
// top page holding the arguments, laid out as userland/lib's _start expects:
//
//   USTACK_UPPERBOUND  +----------------------------+
//                      | argument strings, NUL-ended |
//                      +----------------------------+
//                      | (padding to 16 bytes)       |
//                      | NULL                        |
//                      | argv[argc - 1] ... argv[0]  |  pointers to the strings
//   stack pointer ---> | argc                        |  (16-byte aligned)
//                      +----------------------------+

#include <stddef.h>

#include "kernel/addr.h"
#include "kernel/err.h"
#include "kernel/mm/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct exec_image {
    struct addrspace *as;
    vaddr_t entry;
    vaddr_t stack_pointer;
};

// Builds the address space for initrd program `path` run with argv[0..argc).
// Errors, with nothing allocated: ERR_NOENT (no such file), ERR_NOEXEC (not
// a valid program: see kernel/elf/elf.h), ERR_TOOLONG (more than EXEC_MAX_ARGS
// arguments or EXEC_MAX_ARG_BYTES of them), ERR_NOMEM.
err_t exec_load(const char *path, int argc, const char *const argv[],
                struct exec_image *image) MUST_CHECK;

// The same for the ELF image in file[0..size), which must stay readable
// until this returns. Errors as exec_load, but for ERR_NOENT.
err_t exec_load_image(const void *file, size_t size, int argc, const char *const argv[],
                      struct exec_image *image) MUST_CHECK;

#ifdef __cplusplus
}
#endif
