#pragma once

// Files of the initrd (kernel/fs/initrd.h), opened by path: what the open
// system call gives. The initrd is read-only, and so are these files.
//
// Paths: "/" and "" name the directory, the list of every file; any other
// path names a file, looked up with initrd_find (which ignores a leading
// '/': "/sh" and "sh" are the same file). There are no subdirectories.
//
// A regular file reads its bytes from an offset that each read advances; a
// read at the end returns 0. stat: FILE_TYPE_REGULAR and the size.
//
// The directory reads as struct osv_dirent records, one per file in archive
// order: each read returns as many whole records as fit in n (n /
// sizeof(struct osv_dirent) at most), never part of one; ERR_INVAL if n is
// smaller than one record; 0 after the last. A name longer than
// DIRENT_NAME_MAX - 1 bytes is cut to that length; every name is
// NUL-terminated and NUL-padded, so no byte of a record is left unset. A
// size over UINT32_MAX would read as UINT32_MAX (the initrd is far smaller).
// stat: FILE_TYPE_DIRECTORY, size 0.
//
// Locking: the offset is shared by every descriptor for the file (after dup
// or fork); a spinlock per open file makes each read take its own bytes.
// The initrd's contents never change after boot.

#include "kernel/err.h"
#include "kernel/fs/file.h"

#ifdef __cplusplus
extern "C" {
#endif

// Opens the initrd file or directory at `path` (NUL-terminated), readable
// only, with one reference. ERR_NOENT if there is no such file, ERR_NOMEM;
// on error *out is untouched and nothing is allocated.
err_t initrd_file_open(const char *path, struct file **out) MUST_CHECK;

#ifdef __cplusplus
}
#endif
