#pragma once

// Pipes: a one-way channel of bytes between two open files, the read end
// and the write end, in the order they were written.
//
// The bytes in transit wait in a ring buffer of PIPE_SIZE bytes. A read
// blocks while the pipe is empty and the write end is open; it returns what
// is there (up to n), or 0 (end of file) once the pipe is empty and the
// write end is closed. A write blocks while the pipe is full and the read end
// is open, and returns once all n bytes are in; if the read end closes
// first it returns the count written so far, or ERR_PIPE if that is 0.
// A reader or writer killed while it waits gives up: a read returns
// ERR_KILLED, a write the count written so far, or ERR_KILLED if that is 0
// (what it wrote stays in the pipe for the reader).
// Closing an end (its file's last reference going away) wakes whoever waits
// at the other end. A file that dup or fork shares counts as one end: the
// end closes when the last descriptor for it does.
//
// stat reports FILE_TYPE_PIPE, size 0.
//
// Locking: each pipe has a spinlock over its ring and the two open flags;
// readers and writers sleep on the pipe's condition variables with it.
// Bytes move between the ring and the caller's kernel buffer with that lock
// held, so at most PIPE_SIZE bytes per wakeup are copied with interrupts off.

#include "kernel/err.h"
#include "kernel/fs/file.h"

#ifdef __cplusplus
extern "C" {
#endif

// Bytes a pipe holds: one page, the largest block kmalloc hands out.
#define PIPE_SIZE 4096

// Creates a pipe and its two ends: *read_end is readable only, *write_end
// writable only, each with one reference. ERR_NOMEM; then nothing is
// allocated and the outputs are untouched. Call from a thread: the ends'
// operations sleep.
err_t pipe_create(struct file **read_end, struct file **write_end) MUST_CHECK;

#ifdef __cplusplus
}
#endif
