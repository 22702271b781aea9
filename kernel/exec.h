#pragma once

// exec: loading a program from the initrd into a fresh address space.
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
// a valid program: see kernel/elf.h), ERR_TOOLONG (more than EXEC_MAX_ARGS
// arguments or EXEC_MAX_ARG_BYTES of them), ERR_NOMEM.
err_t exec_load(const char *path, int argc, const char *const argv[],
                struct exec_image *image) MUST_CHECK;

// Replaces the calling process's program with `path`: on ERR_OK the old
// address space is gone and the process's user frame starts the new program
// when the system call returns. On error the process is unchanged.
err_t proc_exec(const char *path, int argc, const char *const argv[]) MUST_CHECK;

#ifdef __cplusplus
}
#endif
