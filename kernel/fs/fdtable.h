#pragma once

// A process's file descriptor table: small integers naming open files.
//
// Locking: a table belongs to one process, and only that process's thread
// (or its parent during fork, before the child runs) touches it: no lock.

#include "kernel/err.h"
#include "kernel/fs/file.h"
#include "kernel/syscall_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fdtable {
    struct file *files[FD_MAX];  // NULL: descriptor not in use
};

// Installs file at the lowest free descriptor, taking over the caller's
// reference, and sets *fd. ERR_NOSPACE when all FD_MAX are in use (the
// caller keeps its reference).
err_t fdtable_install(struct fdtable *table, struct file *file, int *fd) MUST_CHECK;

// The file behind fd (no reference added). ERR_BADF if fd is not open.
err_t fdtable_get(struct fdtable *table, int fd, struct file **file) MUST_CHECK;

// Closes fd. ERR_BADF if it was not open.
err_t fdtable_close(struct fdtable *table, int fd) MUST_CHECK;

// Makes dst (empty: panics otherwise) refer to the same files as src, adding
// a reference to each, for fork.
void fdtable_copy(struct fdtable *dst, const struct fdtable *src);

// Closes every descriptor, for exit.
void fdtable_close_all(struct fdtable *table);

// The calling process's table. (Defined by the process code, kernel/proc.c.)
struct fdtable *fdtable_current(void);

#ifdef __cplusplus
}
#endif
