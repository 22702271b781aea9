#pragma once

// Reading and writing user memory from the kernel.
//
// System calls never dereference a user pointer: they copy through these
// functions, which check every page of the range against the calling
// process's address space and return ERR_FAULT for anything a user access
// could not do (NULL and unmapped pages outside every region, kernel
// addresses, ranges that wrap around or run into bad memory, writes to
// read-only memory). Pages that are valid but not there yet (lazy heap and
// stack pages, copy-on-write pages) are served on the way, exactly as a user
// fault would be, so the copy never faults in kernel mode. ERR_NOMEM when
// serving such a page needs memory that is not there.
//
// All act on the current process (proc_current()) and may sleep.

#include <stddef.h>

#include "kernel/addr.h"
#include "kernel/err.h"

#ifdef __cplusplus
extern "C" {
#endif

// Copies n bytes from user address src to kernel buffer dst.
err_t copyin(void *dst, vaddr_t src, size_t n) MUST_CHECK;

// Copies n bytes from kernel buffer src to user address dst.
err_t copyout(vaddr_t dst, const void *src, size_t n) MUST_CHECK;

// Copies a NUL-terminated string of at most max bytes (NUL included) from
// user address src into dst, and sets *len (if not NULL) to its length
// without the NUL. ERR_TOOLONG if no NUL appears within max bytes (dst then
// holds max - 1 bytes and a NUL).
err_t copyinstr(char *dst, vaddr_t src, size_t max, size_t *len) MUST_CHECK;

#ifdef __cplusplus
}
#endif
