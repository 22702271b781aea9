#pragma once

// The initrd: a read-only archive of files (the user programs) that the boot
// loader loads next to the kernel as a multiboot module. Its format is cpio
// "newc" (the one Linux uses for initramfs; see kernel/fs/cpio_format.h, and
// tools/mkinitrd for the packer). Names are flat: "sh", "init", "forktest";
// a leading '/' is ignored by initrd_find.
//
// initrd_init checks the whole archive before anything is found in it. It
// refuses with ERR_INVAL:
//  - a header that does not fit in the archive, a magic other than "070701",
//    a field that is not exactly 8 hexadecimal digits, a nonzero c_check;
//  - a name or data (with its padding to 4 bytes) reaching past the end of
//    the archive; a name not NUL-terminated exactly at c_namesize;
//  - an entry other than a regular file (directories, links, devices);
//  - a name that is empty, longer than INITRD_NAME_MAX, "." or "..", that
//    contains a '/', or that an earlier entry already has;
//  - a trailer ("TRAILER!!!") with data, or none before the archive ends.
// Bytes after the trailer are ignored (archivers pad there). An archive of
// more than INITRD_MAX_FILES files is refused with ERR_NOSPACE: the index is
// a fixed array, so that parsing never allocates.
//
// The index points into the archive, which must stay in place, unchanged,
// for as long as files are looked up (the kernel never frees the module).
//
// Parsed once at boot; afterwards read-only, so no locking. (Tests call
// initrd_init again; each call replaces the index.)

#include <stddef.h>

#include "kernel/err.h"

#ifdef __cplusplus
extern "C" {
#endif

// Files the index holds. The initrd holds the user programs and a few test
// files; raise this if it ever needs more.
#define INITRD_MAX_FILES 64

// Longest file name, in bytes without its NUL: a name fits in the name field
// of struct osv_dirent (DIRENT_NAME_MAX, kernel/syscall_abi.h) with its NUL.
#define INITRD_NAME_MAX 59

struct initrd_file {
    const char *name;  // NUL-terminated, inside the archive
    const void *data;  // inside the archive; 4-byte aligned if the archive is
    size_t size;
};

// Checks the archive at [archive, archive + size) and indexes its files,
// replacing any earlier index. Returns ERR_OK, or ERR_INVAL if it is
// malformed as listed above, or ERR_NOSPACE if it holds more than
// INITRD_MAX_FILES files; after an error no file is found.
err_t initrd_init(const void *archive, size_t size) MUST_CHECK;

// Finds a file by name (NUL-terminated, not NULL), ignoring one leading '/'.
// Fills *file and returns ERR_OK, or ERR_NOENT if there is none.
err_t initrd_find(const char *name, struct initrd_file *file) MUST_CHECK;

// The index-th file, in archive order: a directory listing walks index 0, 1,
// ... Fills *file and returns ERR_OK, or ERR_NOENT past the last one.
err_t initrd_file_at(size_t index, struct initrd_file *file) MUST_CHECK;

#ifdef __cplusplus
}
#endif
