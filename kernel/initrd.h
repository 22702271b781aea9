#pragma once

// The initrd: a read-only archive of files (the user programs) that the boot
// loader loads next to the kernel as a multiboot module. Its format is cpio
// "newc" (the one Linux uses for initramfs; see tools/ for the packer).
// Names are flat: "sh", "init", "forktest"; a leading '/' is ignored by
// initrd_find.
//
// Parsed once at boot; afterwards read-only, so no locking.

#include <stddef.h>

#include "kernel/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct initrd_file {
    const char *name;  // NUL-terminated, inside the archive
    const void *data;
    size_t size;
};

// Checks the archive at [archive, archive + size) and indexes its files.
// Returns ERR_OK, or ERR_INVAL if it is malformed (then no file is found).
err_t initrd_init(const void *archive, size_t size) MUST_CHECK;

// Finds a file by name. ERR_NOENT if there is none.
err_t initrd_find(const char *name, struct initrd_file *file) MUST_CHECK;

// The index-th file, in archive order. ERR_NOENT past the last one.
err_t initrd_file_at(size_t index, struct initrd_file *file) MUST_CHECK;

#ifdef __cplusplus
}
#endif
