#pragma once

// Open files: what a file descriptor refers to.
//
// A struct file is shared by every descriptor that refers to it (after dup
// or fork) and counts those references; the last file_put releases it. Each
// kind of file (initrd file, directory listing, pipe end, console) supplies
// its operations. Reads and writes move bytes between the file and a KERNEL
// buffer: the system call layer copies to and from user memory.
//
// Locking: the reference count is changed atomically; each kind of file
// locks its own state.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/err.h"
#include "kernel/syscall_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct file;

// Kills: the system calls call read and write with at most SYS_FILE_CHUNK
// bytes (kernel/fs/file_io.h) and look for a kill between calls, so a kill
// ends a long read or write within one call. An operation must therefore do
// work bounded by n, and any wait in it must give up once the caller is
// killed (thread_killed, kernel/sched.h): a read with ERR_KILLED, a write
// with the count written so far, or ERR_KILLED when that is 0.
struct file_ops {
    // Reads up to n bytes into buf. Blocks until at least one byte is there
    // or the end is reached. Returns the count (0: end of file) or an err_t
    // (ERR_KILLED: killed while it waited).
    int64_t (*read)(struct file *file, void *buf, size_t n);
    // Writes up to n bytes from buf; blocks until some can be written.
    // Returns the count or an err_t (ERR_PIPE: a pipe nobody reads;
    // ERR_KILLED: killed while it waited, nothing written).
    int64_t (*write)(struct file *file, const void *buf, size_t n);
    void (*stat)(struct file *file, struct osv_stat *st);
    // The last reference is gone: free what the file holds.
    void (*release)(struct file *file);
};

struct file {
    const struct file_ops *ops;
    int refcount;  // atomic
    bool readable;
    bool writable;
    void *data;       // owned by the kind of file
    uint64_t offset;  // for seekable kinds; guarded by that kind's lock
};

// Allocates a file with one reference. ERR_NOMEM.
err_t file_alloc(const struct file_ops *ops, void *data, bool readable, bool writable,
                 struct file **out) MUST_CHECK;

// Adds a reference; returns file.
struct file *file_get(struct file *file);

// Drops a reference; releases the file on the last one.
void file_put(struct file *file);

// Read and write through the file's operations. ERR_BADF when the file was
// not opened for that direction. A count of 0 returns 0 at once, without
// calling the operation: it never blocks.
int64_t file_read(struct file *file, void *buf, size_t n);
int64_t file_write(struct file *file, const void *buf, size_t n);
// Fills *st: zeroed first, then completed by the kind of file.
void file_stat(struct file *file, struct osv_stat *st);

// Opens the console (fd 0, 1 and 2 of init). ERR_NOMEM.
err_t console_file_open(struct file **out) MUST_CHECK;

#ifdef __cplusplus
}
#endif
